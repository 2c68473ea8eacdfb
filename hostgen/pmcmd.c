/* pmcmd.c: hostgen pm limits|add|flush|show|events over the mptcp_pm generic netlink family. */
#include "pmcmd.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "dist.h"
#include "pm.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int usage(const char *why)
{
    fprintf(stderr,
            "hostgen pm: %s (want: limits [SUBFLOWS ADD_ADDR_ACCEPTED] | add ADDR ... | "
            "flush | show | events [SECONDS])\n",
            why);
    return 2;
}

static int events(struct pm *pm, double secs)
{
    int rc = pm_events_join(pm);
    if (rc != 0) {
        fprintf(stderr, "hostgen pm: cannot join mptcp_pm_events: %s\n", strerror(-rc));
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return 1;
    int64_t end = secs > 0 ? mono_ns() + (int64_t)(secs * 1e9) : INT64_MAX;
    pm_event_header(stdout);
    fflush(stdout);
    char buf[8192]; /* libmnl suggests one page; events are a few hundred bytes */
    while (!stop_flag && mono_ns() < end) {
        struct pollfd p = {.fd = pm_fd(pm), .events = POLLIN};
        int n = poll(&p, 1, 100);
        if (n <= 0)
            continue;
        ssize_t len = recv(pm_fd(pm), buf, sizeof(buf), 0);
        if (len <= 0)
            continue;
        int64_t now = mono_ns();
        const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
        int left = (int)len;
        while (mnl_nlmsg_ok(nlh, left) && nlh->nlmsg_len <= (unsigned)left) {
            struct pm_event ev;
            if (pm_event_parse(nlh, (size_t)left, pm->family, &ev) == 1)
                pm_event_write(stdout, now, &ev);
            nlh = mnl_nlmsg_next(nlh, &left);
        }
        fflush(stdout);
    }
    return 0;
}

int pmcmd_run(int argc, char **argv)
{
    const char *cmd = argv[0];
    char err[160];
    struct pm_endpoint ep;
    uint64_t sub = 0, acc = 0;
    double secs = 0;
    /* Check the words before touching netlink: bad input changes nothing. */
    if (strcmp(cmd, "limits") == 0) {
        if (argc != 1 &&
            (argc != 3 || !parse_u64(argv[1], 8, &sub) || !parse_u64(argv[2], 8, &acc)))
            return usage("limits wants two numbers 0..8 (MPTCP_PM_ADDR_MAX)");
    } else if (strcmp(cmd, "add") == 0) {
        if (!pm_parse_endpoint(argc - 1, argv + 1, &ep, err, sizeof(err)))
            return usage(err);
    } else if (strcmp(cmd, "events") == 0) {
        if (argc > 2 || (argc == 2 && !parse_double(argv[1], 0.001, 1e6, &secs)))
            return usage("events wants an optional duration in seconds");
    } else if ((strcmp(cmd, "flush") != 0 && strcmp(cmd, "show") != 0) || argc != 1) {
        return usage("unknown pm command");
    }
    struct pm pm;
    int rc = pm_open(&pm);
    if (rc != 0) {
        fprintf(stderr, "hostgen pm: mptcp_pm generic netlink family unavailable: %s\n",
                strerror(-rc));
        return 1;
    }
    if (strcmp(cmd, "limits") == 0 && argc == 3) {
        rc = pm_set_limits(&pm, (uint32_t)sub, (uint32_t)acc);
    } else if (strcmp(cmd, "limits") == 0) {
        uint32_t s, a;
        rc = pm_get_limits(&pm, &s, &a);
        if (rc == 0)
            printf("subflows %u add_addr_accepted %u\n", s, a);
    } else if (strcmp(cmd, "add") == 0) {
        rc = pm_add_endpoint(&pm, &ep);
    } else if (strcmp(cmd, "flush") == 0) {
        rc = pm_flush(&pm);
    } else if (strcmp(cmd, "show") == 0) {
        rc = pm_list(&pm, stdout);
        rc = rc < 0 ? rc : 0;
    } else {
        int st = events(&pm, secs);
        pm_close(&pm);
        return st;
    }
    pm_close(&pm);
    if (rc != 0) {
        fprintf(stderr, "hostgen pm %s: %s\n", cmd, strerror(-rc));
        return 1;
    }
    return 0;
}
