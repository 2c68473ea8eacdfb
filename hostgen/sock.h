/* sock.h: small socket helpers shared by the generator and the responder. */
#ifndef HOSTGEN_SOCK_H
#define HOSTGEN_SOCK_H

#include <netinet/in.h>
#include <stdbool.h>

#ifndef IPPROTO_MPTCP
/* include/uapi/linux/in.h: IPPROTO_MPTCP 262 (glibc 2.36 may not define it). */
#define IPPROTO_MPTCP 262
#endif

/* socket(AF_INET, SOCK_STREAM|NONBLOCK|CLOEXEC, tcp ? TCP : MPTCP); -1 with errno on failure. */
int sock_stream(bool tcp);
/* TCP_NODELAY: requests must leave at once, not wait for Nagle. 0 or -1. */
int sock_nodelay(int fd);

#endif
