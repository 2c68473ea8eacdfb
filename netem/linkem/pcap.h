/* pcap.h: minimal pcap writer (nanosecond timestamps, Ethernet) for what linkem forwards. */
#ifndef NETSYNC_LINKEM_PCAP_H
#define NETSYNC_LINKEM_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pcap {
    FILE *f;
    uint64_t written;
};

int pcap_open(struct pcap *p, const char *path, char *err, size_t errlen);
/* Appends one frame stamped with CLOCK_REALTIME; -1 on a write error. */
int pcap_write(struct pcap *p, const void *frame, size_t len);
int pcap_close(struct pcap *p);

#endif
