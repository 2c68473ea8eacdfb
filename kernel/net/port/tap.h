/* tap.h: opening a Linux tap device for the host-side stack. */
#ifndef NETSYNC_NET_PORT_TAP_H
#define NETSYNC_NET_PORT_TAP_H

/* Creates (or attaches to) tap `name` without packet info, non-blocking, and sets it up.
 * Returns the fd or -1 with a message on stderr. */
int tap_open(const char *name);

#endif
