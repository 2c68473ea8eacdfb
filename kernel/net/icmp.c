/* icmp.c: ICMP (RFC 792): answers echo requests; every other message is counted and dropped. */
#include "net_priv.h"

#define ICMP_ECHO_REPLY   0 /* RFC 792 "Echo or Echo Reply Message": type 0 */
#define ICMP_ECHO_REQUEST 8 /* RFC 792: type 8 */
#define ICMP_HDR          8 /* type, code, checksum, identifier, sequence number */

void ns_icmp_input(struct ns_netif *nif, uint32_t src, uint32_t dst, const uint8_t *p, size_t len)
{
    struct ns_stack *st = nif->st;
    uint8_t frame[NS_ETH_MAX];
    uint8_t *reply = frame + NS_L4_OFF; /* built in place (net_priv.h) */
    const size_t reply_max = NS_ETH_MTU - IPV4_HDR_MIN;
    st->stats.icmp_rx++;
    if (len < ICMP_HDR) {
        st->stats.icmp_drop_short++;
        nif->stats.rx_drops++;
        return;
    }
    /* RFC 792: the checksum covers the whole ICMP message. */
    if (ns_csum_fold(ns_csum_add(0, p, len)) != 0) {
        st->stats.icmp_drop_checksum++;
        nif->stats.rx_drops++;
        return;
    }
    if (p[0] != ICMP_ECHO_REQUEST || p[1] != 0 || len > reply_max) {
        st->stats.icmp_drop_type++;
        nif->stats.rx_drops++;
        return;
    }
    /* RFC 1122 section 3.2.2.6: the reply carries the same identifier, sequence and data. */
    memcpy(reply, p, len);
    reply[0] = ICMP_ECHO_REPLY;
    put16(reply + 2, 0);
    put16(reply + 2, ns_csum_fold(ns_csum_add(0, reply, len)));
    if (ns_ipv4_send_frame(st, dst, src, IPPROTO_ICMP_, frame, len) == 0)
        st->stats.icmp_echo_reply_tx++;
}
