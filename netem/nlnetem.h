/* nlnetem.h: the kernel tc-netem backend: a profile direction as an RTM_NEWQDISC message through
 * libnl-route. */
#ifndef NETSYNC_NETEM_NLNETEM_H
#define NETSYNC_NETEM_NLNETEM_H

#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>

#include "profile.h"

/*
 * Builds "tc qdisc replace dev IFINDEX root netem ..." for one direction: struct
 * tc_netem_qopt followed by the TCA_NETEM_* attributes (linux/pkt_sched.h). Returns 0 and a
 * message the caller frees with nlmsg_free(), or -1 with err (e.g. a trace, which the kernel
 * cannot do).
 */
int nlq_build(const struct prof_dir *d, int ifindex, struct nl_msg **out, char *err, size_t errlen);
/* Sends it for interface ifname and waits for the kernel's answer; a kernel without
 * sch_netem is reported as such. 0 or -1 with err. */
int nlq_apply(const struct prof_dir *d, const char *ifname, char *err, size_t errlen);
/* Removes the root qdisc of ifname (back to the default); 0 or -1 with err. */
int nlq_remove(const char *ifname, char *err, size_t errlen);
/* Does this kernel have sch_netem? Tries in a throwaway network namespace (on its lo):
 * 1 = yes, 0 = no (why says what the kernel answered), -1 = could not tell. */
int nlq_probe(char *why, size_t whylen);

#endif
