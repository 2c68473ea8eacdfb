/* eth.c: Ethernet II framing (RFC 894): input demultiplexing and output with padding. */
#include "net_priv.h"

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void ns_input(struct ns_netif *nif, const uint8_t *frame, size_t len)
{
    struct ns_stack *st = nif->st;
    nif->stats.rx_frames++;
    nif->stats.rx_bytes += len;
    st->stats.eth_rx++;
    /* Header: destination MAC (6), source MAC (6), EtherType (2) (IEEE 802.3 clause 3.2). */
    if (len < NS_ETH_HDR) {
        st->stats.eth_drop_short++;
        nif->stats.rx_drops++;
        return;
    }
    if (!nif->up) {
        nif->stats.rx_drops++;
        return;
    }
    /* Accept our unicast address and broadcast; multicast (I/G bit set) is not for us. */
    if (memcmp(frame, nif->mac, 6) != 0 && memcmp(frame, bcast, 6) != 0) {
        st->stats.eth_drop_not_for_us++;
        nif->stats.rx_drops++;
        return;
    }
    uint16_t type = get16(frame + 12);
    const uint8_t *pay = frame + NS_ETH_HDR;
    size_t plen = len - NS_ETH_HDR;
    switch (type) {
    case ETHERTYPE_ARP:
        ns_arp_input(nif, frame + 6, pay, plen);
        break;
    case ETHERTYPE_IPV4:
        ns_ipv4_input(nif, pay, plen);
        break;
    default:
        st->stats.eth_drop_ethertype++;
        nif->stats.rx_drops++;
        break;
    }
    ns_tcp_dispatch(st);
}

int ns_eth_send_frame(struct ns_netif *nif, const uint8_t dst[6], uint16_t type, uint8_t *frame,
                      size_t len)
{
    ASSERT(len <= NS_ETH_MTU, "payload larger than the Ethernet MTU");
    memcpy(frame, dst, 6);
    memcpy(frame + 6, nif->mac, 6);
    put16(frame + 12, type);
    size_t flen = NS_ETH_HDR + len;
    if (len < NS_ETH_MIN_PAY) {
        /* IEEE 802.3 clause 4.2.3.3: pad short payloads with zeros up to 46 bytes. */
        memset(frame + flen, 0, NS_ETH_MIN_PAY - len);
        flen = NS_ETH_HDR + NS_ETH_MIN_PAY;
    }
    int rc = nif->linkout(nif, frame, flen);
    if (rc != 0) {
        nif->stats.tx_drops++;
        nif->st->stats.eth_drop_tx_fail++;
        return rc;
    }
    nif->stats.tx_frames++;
    nif->stats.tx_bytes += flen;
    nif->st->stats.eth_tx++;
    return 0;
}

int ns_eth_output(struct ns_netif *nif, const uint8_t dst[6], uint16_t type, const uint8_t *payload,
                  size_t len)
{
    uint8_t frame[NS_ETH_MAX];
    ASSERT(len <= NS_ETH_MTU, "payload larger than the Ethernet MTU");
    memcpy(frame + NS_ETH_HDR, payload, len);
    return ns_eth_send_frame(nif, dst, type, frame, len);
}
