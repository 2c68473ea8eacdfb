/* services.h: starting the guest's network services (netd, echo, rpcd) and their settings. */
#ifndef NETSYNC_SERVICES_H
#define NETSYNC_SERVICES_H
#include "lib/klib.h"
#include "net/mptcp/mptcp_sched.h"

/* Settings from the kernel command line (svc_config.c registers the keys). */
struct svc_config {
    uint32_t ip[2], mask[2];  /* host byte order; ip0=/ip1= "a.b.c.d/len" */
    bool echo, rpcd, discard; /* services=echo,rpcd,discard (default all) */
    uint16_t rpcd_port;       /* rpcd_port= (default 7100, docs/protocol.md §6) */
    uint16_t stats_port;      /* stats_port= (default 7070): counters and shutdown, see docs */
    bool tx_batch;            /* txbatch=0|1 (default 1): one TX notify per netd batch */
    bool mptcp;               /* mptcp=0|1 (default 1): listeners accept MPTCP v1 (RFC 8684) */
    enum mptcp_sched_policy mp_sched; /* mp_sched=rtt|room (default rtt) */
};
extern struct svc_config svc_cfg;

/* Parses "a.b.c.d/len" (len 1..32; without "/len" 24) into host-order address and mask; 0 or -1. */
int svc_parse_cidr(const char *v, size_t n, uint32_t *ip, uint32_t *mask);

/* Called once by the init thread (outside self-test mode): starts netd, then the services. */
void services_start(void);

#endif
