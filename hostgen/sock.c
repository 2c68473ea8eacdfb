/* sock.c: stream socket creation (MPTCP or TCP) with the options every hostgen socket needs. */
#include "sock.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

int sock_stream(bool tcp)
{
    return socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  tcp ? IPPROTO_TCP : IPPROTO_MPTCP);
}

int sock_nodelay(int fd)
{
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}
