/* port.h: the platform interface the stack reaches time, memory and randomness through. */
#ifndef NETSYNC_NET_PORT_H
#define NETSYNC_NET_PORT_H

#include "../lib/klib.h"

/*
 * Every port (the guest kernel, the Linux tap process, the unit-test harness) provides these
 * symbols at link time. The stack never calls anything else outside kernel/lib. NIC output is
 * not here: it is a per-interface callback (struct ns_netif.linkout), because one stack can
 * drive several NICs of different kinds.
 */

/* Monotonic time in nanoseconds; never goes backwards. Timers and timestamps derive from it. */
uint64_t ns_port_now_ns(void);

/* 32 unpredictable bits: initial sequence numbers (RFC 6528), ephemeral ports, ARP jitter. */
uint32_t ns_port_random(void);

/* Zeroed memory for connection state and buffers; NULL when exhausted (the stack copes). */
void *ns_port_alloc(size_t n);
void ns_port_free(void *p);

#endif
