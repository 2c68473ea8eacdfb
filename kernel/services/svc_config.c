/* svc_config.c: the command-line keys of the network services (addresses, services, ports). */
#include "services/services.h"
#include "core/cmdline.h"
#include "lib/format.h"
#include "net/net.h"

/* Defaults from issue 3: NIC0 10.1.0.2/24, NIC1 10.2.0.2/24 (host ends .1). */
struct svc_config svc_cfg = {
    .ip = {0x0A010002u, 0x0A020002u},
    .mask = {0xFFFFFF00u, 0xFFFFFF00u},
    .echo = true,
    .rpcd = true,
    .discard = true,
    .rpcd_port = 7100,
    .stats_port = 7070,
    .tx_batch = true,
    .mptcp = true,
    .mp_sched = MPTCP_SCHED_RTT,
};

/* "a.b.c.d/len" (len 1..32, default 24) into host-order address and mask. */
int svc_parse_cidr(const char *v, size_t n, uint32_t *ip, uint32_t *mask)
{
    char buf[24];
    if (v == NULL || n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    uint64_t len = 24;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '/') {
            buf[i] = '\0';
            if (kparse_u64(buf + i + 1, n - i - 1, &len) != 0 || len < 1 || len > 32)
                return -1;
            break;
        }
    }
    uint32_t a;
    if (!ns_parse_ipv4(buf, &a))
        return -1;
    *ip = a;
    *mask = len == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> len);
    return 0;
}

static int set_ip0(const char *v, size_t n)
{
    return svc_parse_cidr(v, n, &svc_cfg.ip[0], &svc_cfg.mask[0]);
}
KPARAM(ip0, set_ip0, "NIC0 address a.b.c.d/len (default 10.1.0.2/24)");

static int set_ip1(const char *v, size_t n)
{
    return svc_parse_cidr(v, n, &svc_cfg.ip[1], &svc_cfg.mask[1]);
}
KPARAM(ip1, set_ip1, "NIC1 address a.b.c.d/len (default 10.2.0.2/24)");

static bool word_is(const char *w, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(w, name, n) == 0;
}

static int set_services(const char *v, size_t n)
{
    if (v == NULL)
        return -1;
    bool echo = false, rpcd = false, discard = false;
    size_t s = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && v[i] != ',')
            continue;
        if (word_is(v + s, i - s, "echo"))
            echo = true;
        else if (word_is(v + s, i - s, "rpcd"))
            rpcd = true;
        else if (word_is(v + s, i - s, "discard"))
            discard = true;
        else if (!word_is(v + s, i - s, "none"))
            return -1;
        s = i + 1;
    }
    svc_cfg.echo = echo;
    svc_cfg.rpcd = rpcd;
    svc_cfg.discard = discard;
    return 0;
}
KPARAM(services, set_services, "comma list of echo,rpcd,discard or none (default all three)");

static int set_port(const char *v, size_t n, uint16_t *out)
{
    uint64_t p;
    if (v == NULL || kparse_u64(v, n, &p) != 0 || p == 0 || p > 65535)
        return -1;
    *out = (uint16_t)p;
    return 0;
}

static int set_rpcd_port(const char *v, size_t n)
{
    return set_port(v, n, &svc_cfg.rpcd_port);
}
KPARAM(rpcd_port, set_rpcd_port, "rpcd TCP port (default 7100)");

static int set_stats_port(const char *v, size_t n)
{
    return set_port(v, n, &svc_cfg.stats_port);
}
KPARAM(stats_port, set_stats_port, "netd counters/shutdown TCP port (default 7070)");

static int set_flag(const char *v, size_t n, bool *out)
{
    if (v == NULL || n != 1 || (v[0] != '0' && v[0] != '1'))
        return -1;
    *out = v[0] == '1';
    return 0;
}

static int set_txbatch(const char *v, size_t n)
{
    return set_flag(v, n, &svc_cfg.tx_batch);
}
KPARAM(txbatch, set_txbatch, "1: one virtio TX notify per netd batch (default), 0: one per frame");

static int set_mptcp(const char *v, size_t n)
{
    return set_flag(v, n, &svc_cfg.mptcp);
}
KPARAM(mptcp, set_mptcp,
       "1: services accept MPTCP v1 and announce NIC1 (default), 0: plain TCP only");

static int set_mp_sched(const char *v, size_t n)
{
    if (v != NULL && n == 3 && !memcmp(v, "rtt", 3))
        svc_cfg.mp_sched = MPTCP_SCHED_RTT;
    else if (v != NULL && n == 4 && !memcmp(v, "room", 4))
        svc_cfg.mp_sched = MPTCP_SCHED_ROOM;
    else
        return -1;
    return 0;
}
KPARAM(mp_sched, set_mp_sched,
       "MPTCP subflow for new data: rtt = earliest expected delivery (default), room = most "
       "send-buffer room (the first scheduler, to compare)");
