/* netsync-topo.c: validates a topology file and prints it as shell assignments for
 * scripts/run-bed.sh. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topo.h"

static void ip(uint32_t a, char *buf)
{
    struct in_addr in = {.s_addr = htonl(a)};
    if (inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN) == NULL)
        snprintf(buf, INET_ADDRSTRLEN, "?");
}

int main(int argc, char **argv)
{
    const char *file = NULL, *pdir = NULL;
    /* default: the profiles of the tree this binary was built in (build/ -> ../netem/profiles) */
    static char defdir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", defdir, sizeof(defdir) - 32);
    if (n > 0) {
        defdir[n] = '\0';
        char *slash = strrchr(defdir, '/');
        if (slash != NULL)
            strcpy(slash, "/../netem/profiles");
    } else {
        strcpy(defdir, "netem/profiles");
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--profile-dir") && i + 1 < argc)
            pdir = argv[++i];
        else if (argv[i][0] != '-' && file == NULL)
            file = argv[i];
        else {
            fprintf(stderr, "usage: netsync-topo [--profile-dir DIR] FILE\n");
            return 2;
        }
    }
    if (pdir == NULL)
        pdir = defdir;
    if (file == NULL) {
        fprintf(stderr, "usage: netsync-topo [--profile-dir DIR] FILE\n");
        return 2;
    }
    struct topo t;
    char err[1200];
    if (topo_load(file, &t, err, sizeof(err)) != 0 ||
        topo_check_profiles(&t, file, pdir, err, sizeof(err)) != 0) {
        fprintf(stderr, "netsync-topo: %s\n", err);
        return 2;
    }
    /* every value is from a restricted alphabet (checked by the parser), so plain
     * single-quoted assignments are safe to eval */
    printf("TOPO_NAME='%s'\n", t.name[0] ? t.name : "unnamed");
    printf("GUEST_MEMORY_MIB=%u\nGUEST_SCHED='%s'\nGUEST_RPC_PORT=%u\n", t.guest_memory_mib,
           t.guest_sched, t.guest_rpc_port);
    printf("LINK_COUNT=%u\n", t.nlinks);
    for (unsigned i = 0; i < t.nlinks; i++) {
        const struct topo_link *l = &t.link[i];
        char h[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], pd[512], pu[512], rd[PATH_MAX], ru[PATH_MAX];
        ip(l->host_addr, h);
        ip(l->guest_addr, g);
        topo_profile_path(l->down, pdir, pd, sizeof(pd));
        topo_profile_path(l->up, pdir, pu, sizeof(pu));
        /* absolute paths: the driver may run from another directory */
        if (realpath(pd, rd) == NULL || realpath(pu, ru) == NULL) {
            fprintf(stderr, "netsync-topo: cannot resolve profile paths of link %s\n", l->name);
            return 2;
        }
        printf("LINK%u_NAME='%s'\nLINK%u_HOST_ADDR='%s'\nLINK%u_PREFIX=%u\n"
               "LINK%u_GUEST_ADDR='%s'\nLINK%u_NIC=%u\n"
               "LINK%u_MAC='%02x:%02x:%02x:%02x:%02x:%02x'\n"
               "LINK%u_DOWN_PROFILE='%s'\nLINK%u_UP_PROFILE='%s'\n",
               i, l->name, i, h, i, l->prefix, i, g, i, l->nic, i, l->mac[0], l->mac[1], l->mac[2],
               l->mac[3], l->mac[4], l->mac[5], i, rd, i, ru);
    }
    return 0;
}
