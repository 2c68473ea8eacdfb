/* test_telemetry.c: telemetry and netlink event parsing on hand-built kernel answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/mptcp.h>
#include <linux/tcp.h>
#include <string.h>

#include "pm.h"
#include "telemetry.h"

/* A MPTCP_TCPINFO answer: header + n elements of elem bytes (elem may be smaller than ours). */
static size_t build_tcpinfo(uint8_t *buf, uint32_t total, uint32_t n, uint32_t elem)
{
    struct mptcp_subflow_data h = {.size_subflow_data = sizeof(h),
                                   .num_subflows = total,
                                   .size_kernel = elem,
                                   .size_user = elem};
    memcpy(buf, &h, sizeof(h));
    for (uint32_t i = 0; i < n; i++) {
        struct tcp_info ti;
        memset(&ti, 0, sizeof(ti));
        ti.tcpi_state = 1;
        ti.tcpi_rtt = 100 + i;
        ti.tcpi_bytes_acked = 1000 * (i + 1);
        ti.tcpi_bytes_received = 7000 * (i + 1);
        memcpy(buf + sizeof(h) + i * elem, &ti, elem < sizeof(ti) ? elem : sizeof(ti));
    }
    return sizeof(h) + n * elem;
}

static void test_tcpinfo(void **state)
{
    (void)state;
    static uint8_t buf[8192];
    struct conn_sample cs;
    memset(&cs, 0, sizeof(cs));
    size_t len = build_tcpinfo(buf, 2, 2, sizeof(struct tcp_info));
    assert_int_equal(tele_parse_tcpinfo(buf, len, &cs), 0);
    assert_int_equal(cs.nsf, 2);
    assert_int_equal(cs.nsf_kernel, 2);
    assert_int_equal(cs.sf[1].rtt_us, 101);
    assert_int_equal(cs.sf[1].bytes_acked, 2000);
    assert_int_equal(cs.sf[0].bytes_received, 7000);

    /* An older kernel's smaller tcp_info (up to tcpi_rcv_space): byte counters stay zero. */
    memset(&cs, 0, sizeof(cs));
    uint32_t small = (uint32_t)offsetof(struct tcp_info, tcpi_total_retrans) + 4;
    len = build_tcpinfo(buf, 3, 3, small);
    assert_int_equal(tele_parse_tcpinfo(buf, len, &cs), 0);
    assert_int_equal(cs.nsf, 3);
    assert_int_equal(cs.sf[2].rtt_us, 102);
    assert_int_equal(cs.sf[2].bytes_acked, 0);

    /* The kernel reports 5 subflows but returned room for 2: read only what is there. */
    memset(&cs, 0, sizeof(cs));
    len = build_tcpinfo(buf, 5, 2, sizeof(struct tcp_info));
    assert_int_equal(tele_parse_tcpinfo(buf, len, &cs), 0);
    assert_int_equal(cs.nsf, 2);
    assert_int_equal(cs.nsf_kernel, 5);

    /* Broken headers are refused. */
    struct mptcp_subflow_data h = {.size_subflow_data = 4, .num_subflows = 1, .size_user = 8};
    memcpy(buf, &h, sizeof(h));
    assert_int_equal(tele_parse_tcpinfo(buf, 64, &cs), -1);
    h.size_subflow_data = sizeof(h);
    h.size_user = 0;
    memcpy(buf, &h, sizeof(h));
    assert_int_equal(tele_parse_tcpinfo(buf, 64, &cs), -1);
    assert_int_equal(tele_parse_tcpinfo(buf, 3, &cs), -1);
}

static void test_addrs_and_info(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    struct mptcp_subflow_data h = {.size_subflow_data = sizeof(h),
                                   .num_subflows = 1,
                                   .size_user = sizeof(struct mptcp_subflow_addrs)};
    struct mptcp_subflow_addrs a;
    memset(&a, 0, sizeof(a));
    a.sin_local.sin_family = AF_INET;
    a.sin_local.sin_port = htons(40000);
    inet_pton(AF_INET, "10.12.0.1", &a.sin_local.sin_addr);
    a.sin_remote.sin_family = AF_INET;
    a.sin_remote.sin_port = htons(7100);
    inet_pton(AF_INET, "10.12.0.2", &a.sin_remote.sin_addr);
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), &a, sizeof(a));
    struct conn_sample cs;
    memset(&cs, 0, sizeof(cs));
    assert_int_equal(tele_parse_addrs(buf, sizeof(h) + sizeof(a), &cs), 0);
    char l[64], r[64];
    assert_string_equal(tele_addr_str(&cs.sf[0].local, l, sizeof(l)), "10.12.0.1:40000");
    assert_string_equal(tele_addr_str(&cs.sf[0].remote, r, sizeof(r)), "10.12.0.2:7100");

    struct mptcp_info mi;
    memset(&mi, 0, sizeof(mi));
    mi.mptcpi_subflows = 1;
    mi.mptcpi_flags = MPTCP_INFO_FLAG_FALLBACK;
    mi.mptcpi_snd_una = 77;
    assert_int_equal(tele_parse_info(&mi, sizeof(mi), &cs), 0);
    assert_true(cs.fallback);
    assert_int_equal(cs.snd_una, 77);
    assert_int_equal(cs.subflows, 1);
    /* Shorter than the 5.16 layout: refused. */
    assert_int_equal(tele_parse_info(&mi, 20, &cs), -1);
}

/* MPTCP_FULL_INFO: header + mptcp_info, arrays with the caller's stride, kernel sizes respected. */
static void test_full_info(void **state)
{
    (void)state;
    struct {
        struct hg_mptcp_full_info h;
        struct mptcp_info mi;
    } fi;
    static uint8_t sf[4][300], ti[4][300];
    memset(&fi, 0, sizeof(fi));
    memset(sf, 0, sizeof(sf));
    memset(ti, 0, sizeof(ti));
    fi.h.size_sfinfo_user = 300;
    fi.h.size_tcpinfo_user = 300;
    /* u32 id, then the addresses at offset 8 (sockaddr_storage is 8-aligned): 264 bytes. */
    fi.h.size_sfinfo_kernel = 8 + sizeof(struct mptcp_subflow_addrs);
    /* A kernel whose tcp_info stops before the byte counters: they must read as zero. */
    fi.h.size_tcpinfo_kernel = (uint32_t)offsetof(struct tcp_info, tcpi_total_retrans) + 4;
    fi.h.num_subflows = 3;
    fi.h.size_arrays_user = 2; /* room for 2 only */
    fi.mi.mptcpi_subflows = 2;
    for (int i = 0; i < 2; i++) {
        struct mptcp_subflow_addrs a;
        memset(&a, 0, sizeof(a));
        a.sin_local.sin_family = AF_INET;
        a.sin_local.sin_port = htons((uint16_t)(40000 + i));
        inet_pton(AF_INET, i ? "10.12.0.1" : "10.11.0.1", &a.sin_local.sin_addr);
        memcpy(sf[i] + 8, &a, sizeof(a));
        struct tcp_info t;
        memset(&t, 0xff, sizeof(t));
        t.tcpi_rtt = 500u + (unsigned)i;
        memcpy(ti[i], &t, sizeof(t));
    }
    struct conn_sample cs;
    memset(&cs, 0, sizeof(cs));
    assert_int_equal(tele_parse_full(&fi, sizeof(fi), sf, ti, &cs), 0);
    assert_true(cs.full_info);
    assert_int_equal(cs.nsf, 2);
    assert_int_equal(cs.nsf_kernel, 3);
    assert_int_equal(cs.subflows, 2);
    assert_int_equal(cs.sf[1].rtt_us, 501);
    assert_int_equal(cs.sf[1].bytes_acked, 0);
    char l[64];
    assert_string_equal(tele_addr_str(&cs.sf[1].local, l, sizeof(l)), "10.12.0.1:40001");
    /* Too short to hold mptcp_info, or zero element sizes: refused. */
    assert_int_equal(tele_parse_full(&fi, sizeof(fi.h) + 8, sf, ti, &cs), -1);
    fi.h.size_tcpinfo_user = 0;
    assert_int_equal(tele_parse_full(&fi, sizeof(fi), sf, ti, &cs), -1);
}

/* A SUB_ESTABLISHED event as the kernel sends it (attribute types from uapi mptcp.h). */
static void test_pm_event(void **state)
{
    (void)state;
    static char buf[8192];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = 0x1c;
    struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->cmd = MPTCP_EVENT_SUB_ESTABLISHED;
    g->version = MPTCP_PM_VER;
    struct in_addr s, d;
    inet_pton(AF_INET, "10.12.0.1", &s);
    inet_pton(AF_INET, "10.12.0.2", &d);
    mnl_attr_put_u32(nlh, MPTCP_ATTR_TOKEN, 0xabcdef01);
    mnl_attr_put_u16(nlh, MPTCP_ATTR_FAMILY, AF_INET);
    mnl_attr_put_u8(nlh, MPTCP_ATTR_LOC_ID, 0);
    mnl_attr_put_u8(nlh, MPTCP_ATTR_REM_ID, 2);
    mnl_attr_put(nlh, MPTCP_ATTR_SADDR4, 4, &s);
    mnl_attr_put(nlh, MPTCP_ATTR_DADDR4, 4, &d);
    mnl_attr_put_u16(nlh, MPTCP_ATTR_SPORT, htons(40001));
    mnl_attr_put_u16(nlh, MPTCP_ATTR_DPORT, htons(7100));
    /* A mis-sized attribute is ignored, not trusted. */
    mnl_attr_put_u32(nlh, MPTCP_ATTR_BACKUP, 5);
    struct pm_event ev;
    assert_int_equal(pm_event_parse(nlh, nlh->nlmsg_len, 0x1c, &ev), 1);
    assert_int_equal(ev.type, MPTCP_EVENT_SUB_ESTABLISHED);
    assert_string_equal(pm_event_name(ev.type), "sub_established");
    assert_int_equal(ev.token, 0xabcdef01);
    assert_int_equal(ev.rem_id, 2);
    assert_int_equal(ev.sport, 40001);
    assert_int_equal(ev.dport, 7100);
    assert_true(ev.have_saddr && ev.saddr.s_addr == s.s_addr);
    assert_int_equal(ev.backup, 0);
    /* Another family: not ours. Truncated: malformed. */
    assert_int_equal(pm_event_parse(nlh, nlh->nlmsg_len, 0x1d, &ev), 0);
    assert_int_equal(pm_event_parse(nlh, nlh->nlmsg_len - 4, 0x1c, &ev), -1);
    assert_int_equal(pm_event_parse(nlh, 8, 0x1c, &ev), -1);
}

static void test_endpoint_words(void **state)
{
    (void)state;
    struct pm_endpoint ep;
    char err[200];
    char *ok1[] = {"10.12.0.2", "id", "2", "signal", "backup", "port", "7101"};
    assert_true(pm_parse_endpoint(7, ok1, &ep, err, sizeof(err)));
    assert_int_equal(ep.id, 2);
    assert_int_equal(ep.port, 7101);
    assert_int_equal(ep.flags, MPTCP_PM_ADDR_FLAG_SIGNAL | MPTCP_PM_ADDR_FLAG_BACKUP);
    char *ok2[] = {"10.11.0.1", "dev", "lo", "subflow", "fullmesh"};
    assert_true(pm_parse_endpoint(5, ok2, &ep, err, sizeof(err)));
    assert_int_equal(ep.flags, MPTCP_PM_ADDR_FLAG_SUBFLOW | MPTCP_PM_ADDR_FLAG_FULLMESH);
    assert_true(ep.ifindex > 0);
    char *bad1[] = {"10.1.1"};
    char *bad2[] = {"10.1.1.1", "id", "0"};
    char *bad3[] = {"10.1.1.1", "id", "256"};
    char *bad4[] = {"10.1.1.1", "dev", "no-such-if-xyz"};
    char *bad5[] = {"10.1.1.1", "signal", "fullmesh"};
    char *bad6[] = {"10.1.1.1", "port"};
    assert_false(pm_parse_endpoint(1, bad1, &ep, err, sizeof(err)));
    assert_false(pm_parse_endpoint(3, bad2, &ep, err, sizeof(err)));
    assert_false(pm_parse_endpoint(3, bad3, &ep, err, sizeof(err)));
    assert_false(pm_parse_endpoint(3, bad4, &ep, err, sizeof(err)));
    assert_false(pm_parse_endpoint(3, bad5, &ep, err, sizeof(err)));
    assert_false(pm_parse_endpoint(2, bad6, &ep, err, sizeof(err)));
    assert_false(pm_parse_endpoint(0, bad1, &ep, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcpinfo),        cmocka_unit_test(test_addrs_and_info),
        cmocka_unit_test(test_full_info),      cmocka_unit_test(test_pm_event),
        cmocka_unit_test(test_endpoint_words),
    };
    return cmocka_run_group_tests_name("telemetry", tests, NULL, NULL);
}
