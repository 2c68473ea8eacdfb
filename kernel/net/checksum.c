/* checksum.c: the Internet checksum (RFC 1071) used by IPv4, ICMP and TCP. */
#include "net_priv.h"

uint32_t ns_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    /* RFC 1071 section 4.1: add 16-bit big-endian words; an odd last byte is padded with zero. */
    while (len > 1) {
        sum += get16(p);
        p += 2;
        len -= 2;
        /* Fold early so a 64 KiB payload can never overflow 32 bits. */
        if (sum & 0x80000000u)
            sum = (sum & 0xffff) + (sum >> 16);
    }
    if (len)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

uint16_t ns_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum; /* one's complement of the one's complement sum */
}

uint32_t ns_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    /* RFC 9293 section 3.1: source, destination, zero, protocol, TCP length. */
    uint32_t sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
    return sum + proto + len;
}
