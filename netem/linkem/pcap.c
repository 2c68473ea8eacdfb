/* pcap.c: writes the classic libpcap file format with nanosecond timestamps. */
#include "pcap.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* libpcap file format (draft-ietf-opsawg-pcap, section 4): magic 0xA1B23C4D marks
 * nanosecond timestamps; version 2.4; LinkType 1 = LINKTYPE_ETHERNET. */
#define PCAP_MAGIC_NS     0xA1B23C4Du
#define PCAP_SNAPLEN      65536u
#define LINKTYPE_ETHERNET 1u

int pcap_open(struct pcap *p, const char *path, char *err, size_t errlen)
{
    p->written = 0;
    p->f = fopen(path, "wb");
    if (p->f == NULL) {
        snprintf(err, errlen, "pcap %s: %s", path, strerror(errno));
        return -1;
    }
    uint32_t h32[] = {PCAP_MAGIC_NS, 0, 0, PCAP_SNAPLEN, LINKTYPE_ETHERNET};
    uint16_t ver[] = {2, 4};
    /* header: magic, major, minor, reserved1, reserved2, snaplen, linktype (24 bytes) */
    if (fwrite(&h32[0], 4, 1, p->f) != 1 || fwrite(ver, 2, 2, p->f) != 2 ||
        fwrite(&h32[1], 4, 4, p->f) != 4) {
        snprintf(err, errlen, "pcap %s: write error", path);
        fclose(p->f);
        p->f = NULL;
        return -1;
    }
    return 0;
}

int pcap_write(struct pcap *p, const void *frame, size_t len)
{
    if (p->f == NULL)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint32_t cap = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : (uint32_t)len;
    /* record header: seconds, nanoseconds, captured length, original length */
    uint32_t rh[] = {(uint32_t)ts.tv_sec, (uint32_t)ts.tv_nsec, cap, (uint32_t)len};
    if (fwrite(rh, 4, 4, p->f) != 4 || fwrite(frame, 1, cap, p->f) != cap)
        return -1;
    p->written++;
    return 0;
}

int pcap_close(struct pcap *p)
{
    if (p->f == NULL)
        return 0;
    int rc = fclose(p->f);
    p->f = NULL;
    return rc == 0 ? 0 : -1;
}
