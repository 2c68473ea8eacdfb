/* test_arp_ip.c: ARP (RFC 826), IPv4 header checks (RFC 791) and ICMP echo (RFC 792), frames
 * in/out. */
#include <string.h>

#include "harness.h"

static int setup(void **state)
{
    (void)state;
    h_setup(NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    h_teardown();
    return 0;
}

/* An ARP packet from a host with the given addresses (op 1 request, 2 reply). */
static void arp_in(uint16_t op, const uint8_t sha[6], uint32_t spa, uint32_t tpa, size_t cut)
{
    uint8_t f[60] = {0};
    memset(f, 0xff, 6);
    memcpy(f + 6, sha, 6);
    f[12] = 0x08, f[13] = 0x06;
    uint8_t *a = f + 14;
    a[1] = 1, a[2] = 0x08, a[4] = 6, a[5] = 4, a[7] = (uint8_t)op;
    memcpy(a + 8, sha, 6);
    for (int i = 0; i < 4; i++) {
        a[14 + i] = (uint8_t)(spa >> (24 - 8 * i));
        a[24 + i] = (uint8_t)(tpa >> (24 - 8 * i));
    }
    ns_input(h_nif(), f, cut ? cut : sizeof(f));
}

static void test_gratuitous_arp_at_up(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    /* A second interface: its bring-up must broadcast a request for its own address. */
    static const uint8_t mac2[6] = {0x02, 0, 0, 0, 1, 2};
    struct ns_netif *n2 = ns_netif_add(st, mac2, 0x0a020002u, 0xffffff00u, h_nif()->linkout, NULL);
    assert_non_null(n2);
    h_clear_out();
    ns_netif_up(n2);
    assert_int_equal(h_n_out, 1);
    const uint8_t *f = h_out[0].data;
    static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_memory_equal(f, bc, 6);
    assert_int_equal(f[12] << 8 | f[13], 0x0806);
    const uint8_t *a = f + 14;
    assert_int_equal(a[7], 1);              /* request */
    assert_memory_equal(a + 14, a + 24, 4); /* sender IP == target IP: gratuitous */
    assert_int_equal(a[24], 10);
    assert_int_equal(a[25], 2);
    assert_int_equal(a[27], 2);
    assert_true(st->stats.arp_tx_gratuitous >= 2);
}

static void test_arp_reply_to_request(void **state)
{
    (void)state;
    static const uint8_t mac[6] = {0x02, 9, 9, 9, 9, 9};
    arp_in(1, mac, 0x0a010009u, H_STACK_IP, 0);
    assert_int_equal(h_n_out, 1);
    const uint8_t *f = h_out[0].data, *a = f + 14;
    assert_memory_equal(f, mac, 6); /* unicast back to the asker */
    assert_int_equal(a[7], 2);      /* reply */
    assert_memory_equal(a + 8, h_stack_mac, 6);
    assert_memory_equal(a + 18, mac, 6);
    assert_int_equal(a[27], 9);
    assert_int_equal(h_stack()->stats.arp_tx_reply, 2); /* setup's one and this one */
}

static void test_arp_ignores_others(void **state)
{
    (void)state;
    static const uint8_t mac[6] = {0x02, 9, 9, 9, 9, 8};
    uint64_t before = h_stack()->stats.arp_drop_not_for_us;
    arp_in(1, mac, 0x0a010008u, 0x0a010077u, 0);
    assert_int_equal(h_n_out, 0);
    assert_int_equal(h_stack()->stats.arp_drop_not_for_us, before + 1);
}

static void test_arp_malformed_counted(void **state)
{
    (void)state;
    static const uint8_t mac[6] = {0x02, 9, 9, 9, 9, 7};
    struct ns_stack *st = h_stack();
    arp_in(1, mac, 0x0a010007u, H_STACK_IP, 14 + 20); /* truncated */
    static const uint8_t mcast[6] = {0x01, 0, 0x5e, 0, 0, 1};
    arp_in(1, mcast, 0x0a010007u, H_STACK_IP, 0); /* multicast sender */
    arp_in(7, mac, 0x0a010007u, H_STACK_IP, 0);   /* unknown op */
    assert_int_equal(st->stats.arp_drop_malformed, 3);
    assert_int_equal(h_n_out, 0);
}

/* Output to an unknown neighbour: request, one packet queued, sent on reply; entry expires. */
static void test_arp_resolution_and_expiry(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    static const uint8_t mac[6] = {0x02, 7, 7, 7, 7, 7};
    struct h_seg s;
    /* A SYN to a closed port from 10.1.0.7 makes the stack answer with RST to an unknown MAC. */
    uint8_t t[20] = {0x30, 0x39, 0x00, 0x63, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff};
    uint32_t sum = (0x0a01u + 0x0007u + 0x0a01u + 0x0002u + 6 + 20);
    uint16_t c = h_csum(t, 20, sum);
    t[16] = (uint8_t)(c >> 8), t[17] = (uint8_t)c;
    h_send_ip(0x0a010007u, H_STACK_IP, 6, t, 20);
    assert_int_equal(h_n_out, 1);
    assert_int_equal(h_out[0].data[13], 0x06); /* an ARP request went out instead */
    assert_int_equal(h_out[0].data[14 + 7], 1);
    /* Retries once a second, then gives up and counts the queued packet as dropped. */
    h_advance_ms(1000);
    assert_int_equal(h_n_out, 2);
    h_clear_out();
    arp_in(2, mac, 0x0a010007u, H_STACK_IP, 0);
    assert_int_equal(h_n_out, 1); /* the queued RST, now addressed */
    assert_memory_equal(h_out[0].data, mac, 6);
    assert_int_equal(h_out[0].data[13], 0x00);
    (void)s;
    /* After the TTL the entry is gone. */
    h_advance_ms(st->cfg.arp_ttl_ms + 1);
    assert_true(st->stats.arp_cache_expired >= 1);
}

static void ping(uint32_t dst, size_t datalen, bool bad);

/* An entry still in use at expiry is re-asked, not dropped; silence after that expires it. */
static void test_arp_refresh_while_in_use(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    h_advance_ms(st->cfg.arp_ttl_ms - 10);
    ping(H_STACK_IP, 8, false); /* the reply uses the entry */
    h_clear_out();
    h_advance_ms(20); /* past the lifetime: a request, not a drop */
    assert_int_equal(h_n_out, 1);
    assert_int_equal(h_out[0].data[14 + 7], 1);
    assert_int_equal(st->stats.arp_cache_expired, 0);
    h_clear_out();
    ping(H_STACK_IP, 8, false); /* still answered straight to the known MAC */
    assert_int_equal(h_n_out, 1);
    assert_memory_equal(h_out[0].data, h_peer_mac, 6);
    assert_int_equal(h_out[0].data[13], 0x00);
    /* No answer to three requests and no further use: the entry goes. */
    for (int i = 0; i < 4; i++)
        h_advance_ms(1000);
    h_advance_ms(st->cfg.arp_ttl_ms);
    assert_int_equal(st->stats.arp_cache_expired, 1);
}

static void ping(uint32_t dst, size_t datalen, bool bad)
{
    uint8_t m[128] = {8, 0, 0, 0, 0x12, 0x34, 0x00, 0x01};
    for (size_t i = 0; i < datalen; i++)
        m[8 + i] = (uint8_t)i;
    uint16_t c = h_csum(m, 8 + datalen, 0);
    if (bad)
        c ^= 1;
    m[2] = (uint8_t)(c >> 8), m[3] = (uint8_t)c;
    h_send_ip(H_PEER_IP, dst, 1, m, 8 + datalen);
}

static void test_icmp_echo_reply(void **state)
{
    (void)state;
    ping(H_STACK_IP, 56, false);
    assert_int_equal(h_n_out, 1);
    const uint8_t *ip = h_out[0].data + 14;
    assert_memory_equal(h_out[0].data, h_peer_mac, 6);
    assert_int_equal(h_csum(ip, 20, 0), 0);
    assert_int_equal(ip[8], 64);
    assert_int_equal(ip[9], 1);
    const uint8_t *m = ip + 20;
    assert_int_equal(m[0], 0); /* echo reply */
    assert_int_equal(m[4], 0x12);
    assert_int_equal(m[7], 0x01);
    assert_int_equal(h_csum(m, 64, 0), 0);
    for (int i = 0; i < 56; i++)
        assert_int_equal(m[8 + i], i);
    assert_int_equal(h_stack()->stats.icmp_echo_reply_tx, 1);
}

static void test_icmp_bad_checksum_and_type(void **state)
{
    (void)state;
    ping(H_STACK_IP, 8, true);
    uint8_t m[8] = {13, 0, 0, 0}; /* timestamp request: not served */
    uint16_t c = h_csum(m, 8, 0);
    m[2] = (uint8_t)(c >> 8), m[3] = (uint8_t)c;
    h_send_ip(H_PEER_IP, H_STACK_IP, 1, m, 8);
    h_send_ip(H_PEER_IP, H_STACK_IP, 1, m, 4); /* too short */
    assert_int_equal(h_n_out, 0);
    struct ns_stack *st = h_stack();
    assert_int_equal(st->stats.icmp_drop_checksum, 1);
    assert_int_equal(st->stats.icmp_drop_type, 1);
    assert_int_equal(st->stats.icmp_drop_short, 1);
}

/* Sends a raw IPv4 header + 8 bytes after applying `mutate`, checksum recomputed unless told. */
static void raw_ip(void (*mutate)(uint8_t *ip, size_t *len), bool fix_csum)
{
    uint8_t f[100] = {0};
    memcpy(f, h_stack_mac, 6);
    memcpy(f + 6, h_peer_mac, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    uint8_t icmp[8] = {8, 0, 0xf7, 0xff, 0, 0, 0, 0}; /* valid echo request, checksum 0xf7ff */
    ip[0] = 0x45, ip[3] = 28, ip[8] = 64, ip[9] = 1;
    ip[12] = 10, ip[13] = 1, ip[15] = 1, ip[16] = 10, ip[17] = 1, ip[19] = 2;
    memcpy(ip + 20, icmp, 8);
    size_t len = 28;
    mutate(ip, &len);
    if (fix_csum) {
        ip[10] = ip[11] = 0;
        size_t hl = (size_t)(ip[0] & 0xf) * 4;
        uint16_t c = h_csum(ip, hl > 60 ? 20 : hl, 0);
        ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    }
    ns_input(h_nif(), f, 14 + len);
}

static void m_none(uint8_t *ip, size_t *len)
{
    (void)ip, (void)len;
}
static void m_version(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[0] = 0x65;
}
static void m_ihl(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[0] = 0x44;
}
static void m_totlen(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[3] = 200;
}
static void m_frag(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[6] = 0x20; /* MF */
}
static void m_ttl0(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[8] = 0;
}
static void m_dst(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[19] = 99;
}
static void m_src(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[12] = 224;
}
static void m_proto(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[9] = 17;
}
static void m_short(uint8_t *ip, size_t *len)
{
    (void)ip;
    *len = 12;
}

static void test_ipv4_checks(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    raw_ip(m_none, true);
    assert_int_equal(st->stats.icmp_echo_reply_tx, 1); /* the baseline is valid */
    h_clear_out();
    raw_ip(m_version, true);
    raw_ip(m_ihl, true);
    raw_ip(m_totlen, true);
    raw_ip(m_frag, true);
    raw_ip(m_ttl0, true);
    raw_ip(m_dst, true);
    raw_ip(m_src, true);
    raw_ip(m_proto, true);
    raw_ip(m_short, false);
    /* A corrupted checksum: flip a byte after computing it. */
    uint8_t f[60] = {0};
    memcpy(f, h_stack_mac, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45, ip[3] = 28, ip[8] = 64, ip[9] = 1, ip[12] = 10, ip[13] = 1, ip[15] = 1;
    ip[16] = 10, ip[17] = 1, ip[19] = 2, ip[10] = 0x12, ip[11] = 0x34;
    ns_input(h_nif(), f, sizeof(f));
    assert_int_equal(st->stats.ip_drop_version, 1);
    assert_int_equal(st->stats.ip_drop_hdrlen, 1);
    assert_int_equal(st->stats.ip_drop_totlen, 1);
    assert_int_equal(st->stats.ip_drop_fragment, 1);
    assert_int_equal(st->stats.ip_drop_ttl, 1);
    assert_int_equal(st->stats.ip_drop_not_for_us, 1);
    assert_int_equal(st->stats.ip_drop_bad_src, 1);
    assert_int_equal(st->stats.ip_drop_proto, 1);
    assert_int_equal(st->stats.ip_drop_short, 1);
    assert_int_equal(st->stats.ip_drop_checksum, 1);
    assert_int_equal(st->stats.icmp_echo_reply_tx, 1); /* nothing else was answered */
    assert_int_equal(h_n_out, 0);
}

static void test_eth_filters(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    uint8_t f[60] = {0x02, 1, 2, 3, 4, 5}; /* someone else's MAC */
    f[12] = 0x08;
    ns_input(h_nif(), f, sizeof(f));
    memcpy(f, h_stack_mac, 6);
    f[12] = 0x86, f[13] = 0xdd; /* IPv6: not handled */
    ns_input(h_nif(), f, sizeof(f));
    ns_input(h_nif(), f, 10);
    assert_int_equal(st->stats.eth_drop_not_for_us, 1);
    assert_int_equal(st->stats.eth_drop_ethertype, 1);
    assert_int_equal(st->stats.eth_drop_short, 1);
    assert_int_equal(h_nif()->stats.rx_drops, 3);
    assert_int_equal(h_n_out, 0);
}

static void test_parse_ipv4(void **state)
{
    (void)state;
    uint32_t ip;
    char buf[16];
    assert_true(ns_parse_ipv4("10.1.0.2", &ip));
    assert_int_equal(ip, 0x0a010002u);
    ns_format_ipv4(0xc0a800ffu, buf);
    assert_string_equal(buf, "192.168.0.255");
    assert_false(ns_parse_ipv4("10.1.0", &ip));
    assert_false(ns_parse_ipv4("10.1.0.256", &ip));
    assert_false(ns_parse_ipv4("10.1.0.2x", &ip));
    assert_false(ns_parse_ipv4("", &ip));
}

int run_arp_ip_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gratuitous_arp_at_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_reply_to_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_ignores_others, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_malformed_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_resolution_and_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_refresh_while_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmp_echo_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmp_bad_checksum_and_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eth_filters, setup, teardown),
        cmocka_unit_test(test_parse_ipv4),
    };
    return cmocka_run_group_tests_name("net-arp-ip", tests, NULL, NULL);
}
