/* pm.h: the kernel MPTCP path manager through generic netlink "mptcp_pm" (limits, endpoints,
 * events). */
#ifndef HOSTGEN_PM_H
#define HOSTGEN_PM_H

#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct mnl_socket;

struct pm {
    struct mnl_socket *nl;
    uint16_t family;   /* generic netlink id of "mptcp_pm" */
    uint32_t ev_group; /* multicast group id of "mptcp_pm_events" (0 if absent) */
    uint32_t portid;
    uint32_t seq;
};

/* One endpoint as `ip mptcp endpoint add` takes it (IPv4 only in this version). */
struct pm_endpoint {
    struct in_addr addr;
    uint8_t id;     /* 0: the kernel picks one */
    uint32_t flags; /* MPTCP_PM_ADDR_FLAG_* */
    int32_t ifindex;
    uint16_t port;
};

/* A decoded mptcp_pm event (uapi mptcp.h, enum mptcp_event_attr); absent fields are zero. */
struct pm_event {
    uint8_t type;
    uint32_t token;
    uint16_t family;
    uint8_t loc_id, rem_id, backup, error, server_side;
    bool have_saddr, have_daddr;
    struct in_addr saddr, daddr;
    uint16_t sport, dport; /* host order */
    int32_t if_idx;
};

/* Opens a generic netlink socket and resolves the family and the events group. 0 or -errno. */
int pm_open(struct pm *pm);
void pm_close(struct pm *pm);
int pm_set_limits(struct pm *pm, uint32_t subflows, uint32_t add_addr_accepted);
int pm_get_limits(struct pm *pm, uint32_t *subflows, uint32_t *add_addr_accepted);
int pm_add_endpoint(struct pm *pm, const struct pm_endpoint *ep);
int pm_flush(struct pm *pm);
/* Prints every endpoint, one per line: "id N addr A flags F[,F] [dev IF] [port P]". */
int pm_list(struct pm *pm, FILE *out);
/* Joins "mptcp_pm_events" on this socket (needs CAP_NET_ADMIN). 0 or -errno. */
int pm_events_join(struct pm *pm);
int pm_fd(const struct pm *pm);

/*
 * Parses one netlink message of len bytes (as received, untrusted) into ev. Returns 1 for an
 * mptcp_pm event of the given family, 0 for another message, -1 for a malformed one.
 */
int pm_event_parse(const void *msg, size_t len, uint16_t family, struct pm_event *ev);
const char *pm_event_name(uint8_t type);
void pm_event_header(FILE *f);
void pm_event_write(FILE *f, int64_t t_ns, const struct pm_event *ev);

/*
 * Parses "ADDR [id N] [dev IFNAME] [port P] [signal] [subflow] [backup] [fullmesh]" (argv
 * words). Returns true, or false with a one-line reason in err. IFNAME is resolved with
 * if_nametoindex, so the interface must exist.
 */
bool pm_parse_endpoint(int argc, char **argv, struct pm_endpoint *ep, char *err, size_t errlen);

#endif
