/* ifb.h: feed a device's ingress into an ifb device so an egress qdisc there shapes what the device
 * receives. */
#ifndef NETSYNC_NETEM_IFB_H
#define NETSYNC_NETEM_IFB_H

#include <stddef.h>
#include <stdint.h>

/*
 * "tc qdisc add dev DEV ingress; tc filter add dev DEV parent ffff: protocol all u32 match u32
 * 0 0 action mirred egress redirect dev IFB", creating IFB (type ifb, up) if it does not
 * exist; through libnl-route. 0 or -1 with err.
 */
int ifb_wire(const char *dev, const char *ifb, char *err, size_t errlen);
/* Removes DEV's ingress qdisc (and with it the filter) and deletes IFB. */
int ifb_unwire(const char *dev, const char *ifb, char *err, size_t errlen);
/* Packets IFB has transmitted (what it redirected), or -1. */
int64_t ifb_tx_packets(const char *ifb);

#endif
