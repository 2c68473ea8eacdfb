/* tap.c: creates a tap device through /dev/net/tun (Linux Documentation/networking/tuntap.rst). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"

int tap_open(const char *name)
{
    struct ifreq ifr;
    if (strlen(name) >= IFNAMSIZ) {
        fprintf(stderr, "netstack-tap: tap name '%s' longer than %d characters\n", name,
                IFNAMSIZ - 1);
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "netstack-tap: open /dev/net/tun: %s\n", strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    /* IFF_NO_PI: frames without the 4-byte packet-information prefix. */
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, name, strlen(name) + 1);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        fprintf(stderr, "netstack-tap: TUNSETIFF %s: %s\n", name, strerror(errno));
        close(fd);
        return -1;
    }
    /* Bring the link up so the Linux side can use it as soon as it has an address. */
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        fprintf(stderr, "netstack-tap: socket: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
        fprintf(stderr, "netstack-tap: SIOCGIFFLAGS %s: %s\n", name, strerror(errno));
        close(s);
        close(fd);
        return -1;
    }
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
        fprintf(stderr, "netstack-tap: SIOCSIFFLAGS %s: %s\n", name, strerror(errno));
        close(s);
        close(fd);
        return -1;
    }
    close(s);
    return fd;
}
