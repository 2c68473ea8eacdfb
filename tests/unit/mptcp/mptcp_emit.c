/* mptcp_emit.c: drives our server through a scripted MPTCP exchange and writes every packet
 * (the client's synthetic ones and the options our code builds) to a pcap, so an independent
 * dissector (Wireshark's tshark) can decode our builder's output; `verify` compares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

#define MAXF 32
struct frame {
    uint32_t src, dst; /* IPv4, host order */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint8_t opt[TCP_OPT_SPACE];
    size_t olen;
    uint16_t plen;
    const char *expect; /* "field=value;..." what tshark must show for this frame */
    char expect_buf[512];
};
static struct frame fr[MAXF];
static int nfr;

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define CLI0           IP(10, 0, 0, 1)
#define SRV0           IP(10, 0, 0, 2)
#define CLI1           IP(10, 0, 1, 1)
#define SRV1           IP(10, 0, 1, 2)

static struct frame *add(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint32_t seq,
                         uint32_t ack, uint8_t flags, const uint8_t *opt, size_t olen,
                         uint16_t plen)
{
    if (nfr == MAXF || olen > TCP_OPT_SPACE || olen % 4) {
        fprintf(stderr, "emit: script error at frame %d\n", nfr + 1);
        exit(2);
    }
    struct frame *f = &fr[nfr++];
    memset(f, 0, sizeof(*f));
    f->src = src;
    f->dst = dst;
    f->sport = sp;
    f->dport = dp;
    f->seq = seq;
    f->ack = ack;
    f->flags = flags;
    memcpy(f->opt, opt, olen);
    f->olen = olen;
    f->plen = plen;
    f->expect = "";
    return f;
}

static size_t one_opt(const struct mptcp_opt *o, uint8_t *b)
{
    size_t n = mptcp_opt_build(o, b, TCP_OPT_SPACE);
    while (n % 4)
        b[n++] = 1;
    return n;
}

#define TF_SYN 0x02
#define TF_RST 0x04
#define TF_ACK 0x10

/* The script; the same run both writes the pcap and knows what to expect. */
static void script(void)
{
    static struct mptcp_conn c;
    static struct mptcp_token_table t;
    mptcp_table_init(&t);
    uint8_t b[TCP_OPT_SPACE];
    struct mptcp_opt o;
    struct mptcp_rx_result r;
    const uint32_t ciss = 5000, siss = H_ISS;
    size_t n;
    struct frame *f;

    /* 1 client SYN, MP_CAPABLE v1 */
    struct mptcp_opt_set syn;
    memset(&syn, 0, sizeof(syn));
    o = h_mpc(0, 0, 0, 0, false);
    h_set_one(&syn, &o);
    add(CLI0, SRV0, 40000, 7, ciss, 0, TF_SYN, b, one_opt(&o, b), 0);
    if (mptcp_accept_capable(&c, &t, &syn, H_KEY_B, siss, ciss) != 0)
        exit(2);
    /* 2 our SYN/ACK */
    n = mptcp_synack_opts(&c, &c.sf[0], b, sizeof(b));
    f = add(SRV0, CLI0, 7, 40000, siss, ciss + 1, TF_SYN | TF_ACK, b, n, 0);
    snprintf(f->expect_buf, sizeof(f->expect_buf), "subtype=0;version=1;sendkey=%llu",
             (unsigned long long)H_KEY_B);
    f->expect = f->expect_buf;
    /* 3 client third ACK */
    struct mptcp_opt_set ack;
    memset(&ack, 0, sizeof(ack));
    o = h_mpc(2, H_KEY_A, H_KEY_B, 0, false);
    h_set_one(&ack, &o);
    add(CLI0, SRV0, 40000, 7, ciss + 1, siss + 1, TF_ACK, b, one_opt(&o, b), 0);
    struct mptcp_seg sg = {.seq = ciss + 1, .tcp_flags = MPTCP_TCP_ACK, .opts = &ack};
    mptcp_rx_segment(&c, &c.sf[0], &sg, &r);
    /* 4 our first data segment: 100 bytes with DSS (ack + mapping) */
    uint64_t dsn;
    if (mptcp_tx_assign(&c, &c.sf[0], siss + 1, NULL, 100, &dsn) != 0)
        exit(2);
    struct mptcp_tx_seg ts = {.seq = siss + 1, .len = 100, .tcp_flags = MPTCP_TCP_ACK};
    n = mptcp_tx_opts(&c, &c.sf[0], &ts, 0, b, 28);
    f = add(SRV0, CLI0, 7, 40000, siss + 1, ciss + 1, TF_ACK, b, n, 100);
    snprintf(f->expect_buf, sizeof(f->expect_buf),
             "subtype=2;rawdataack=%llu;rawdataseqno=%llu;subflowseqno=1;datalvllen=100",
             (unsigned long long)(mptcp_key_idsn(H_KEY_A) + 1), (unsigned long long)dsn);
    f->expect = f->expect_buf;
    /* 5 our pure ACK announcing 10.0.1.2 as address id 1 */
    const uint8_t a1[4] = {10, 0, 1, 2};
    mptcp_announce(&c, 1, a1, 0, 0);
    ts.seq = siss + 101;
    ts.len = 0;
    n = mptcp_tx_opts(&c, &c.sf[0], &ts, 0, b, 28);
    f = add(SRV0, CLI0, 7, 40000, siss + 101, ciss + 1, TF_ACK, b, n, 0);
    snprintf(f->expect_buf, sizeof(f->expect_buf),
             "subtype=2,3;addrid=1;ipv4=10.0.1.2;"
             "addaddrtrunchmac=%llu",
             (unsigned long long)mptcp_add_addr_hmac(H_KEY_B, H_KEY_A, 1, a1, 4, 0));
    f->expect = f->expect_buf;
    /* 6 client MP_JOIN SYN to the announced address */
    struct mptcp_opt_set js;
    memset(&js, 0, sizeof(js));
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_JOIN;
    o.u.join.step = MPJ_SYN;
    o.u.join.addr_id = 0;
    o.u.join.token = mptcp_key_token(H_KEY_B);
    o.u.join.nonce = H_R_A;
    h_set_one(&js, &o);
    const uint32_t jciss = 9000, jsiss = 3000;
    add(CLI1, SRV1, 40001, 7, jciss, 0, TF_SYN, b, one_opt(&o, b), 0);
    struct mptcp_conn *jc;
    struct mptcp_subflow *sf = mptcp_accept_join(&t, &js, 1, H_R_B, jsiss, jciss, &jc);
    if (!sf)
        exit(2);
    /* 7 our MP_JOIN SYN/ACK */
    n = mptcp_synack_opts(&c, sf, b, sizeof(b));
    f = add(SRV1, CLI1, 7, 40001, jsiss, jciss + 1, TF_SYN | TF_ACK, b, n, 0);
    snprintf(f->expect_buf, sizeof(f->expect_buf),
             "subtype=1;addrid=1;sendtrunchmac=%llu;sendrand=%u",
             (unsigned long long)mptcp_join_synack_hmac(H_KEY_B, H_KEY_A, H_R_B, H_R_A), H_R_B);
    f->expect = f->expect_buf;
    /* 8 client third ACK with HMAC */
    struct mptcp_opt_set ja;
    memset(&ja, 0, sizeof(ja));
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_JOIN;
    o.u.join.step = MPJ_ACK;
    mptcp_join_ack_hmac(H_KEY_A, H_KEY_B, H_R_A, H_R_B, o.u.join.hmac);
    h_set_one(&ja, &o);
    add(CLI1, SRV1, 40001, 7, jciss + 1, jsiss + 1, TF_ACK, b, one_opt(&o, b), 0);
    sg.seq = jciss + 1;
    sg.opts = &ja;
    mptcp_rx_segment(&c, sf, &sg, &r);
    if (!(r.verdict & MPTCP_RX_ACK_NOW))
        exit(2);
    /* 9 our fourth ACK */
    ts.seq = jsiss + 1;
    n = mptcp_tx_opts(&c, sf, &ts, 0, b, 28);
    f = add(SRV1, CLI1, 7, 40001, jsiss + 1, jciss + 1, TF_ACK, b, n, 0);
    snprintf(f->expect_buf, sizeof(f->expect_buf), "subtype=2;rawdataack=%llu",
             (unsigned long long)(mptcp_key_idsn(H_KEY_A) + 1));
    f->expect = f->expect_buf;
    /* 10 client DATA_ACK for our 100 bytes; then our DATA_FIN */
    struct mptcp_opt_set da;
    memset(&da, 0, sizeof(da));
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_DSS;
    o.u.dss.flags = DSS_FLAG_A_ACK | DSS_FLAG_a_ACK8;
    o.u.dss.data_ack = dsn + 100;
    h_set_one(&da, &o);
    add(CLI0, SRV0, 40000, 7, ciss + 1, siss + 101, TF_ACK, b, one_opt(&o, b), 0);
    sg.seq = ciss + 1;
    sg.opts = &da;
    mptcp_rx_segment(&c, &c.sf[0], &sg, &r);
    mptcp_tx_close(&c);
    ts.seq = siss + 101;
    n = mptcp_tx_opts(&c, &c.sf[0], &ts, 0, b, 28);
    f = add(SRV0, CLI0, 7, 40000, siss + 101, ciss + 1, TF_ACK, b, n, 0);
    snprintf(f->expect_buf, sizeof(f->expect_buf),
             "subtype=2;datafin.flag=1;rawdataseqno=%llu;subflowseqno=0;datalvllen=1",
             (unsigned long long)(dsn + 100));
    f->expect = f->expect_buf;
    /* 11 our RST with MP_TCPRST on the joined subflow */
    ts.tcp_flags = MPTCP_TCP_RST;
    ts.seq = jsiss + 1;
    n = mptcp_tx_opts(&c, sf, &ts, MPTCP_RST_MPTCP_ERR, b, 40);
    f = add(SRV1, CLI1, 7, 40001, jsiss + 1, jciss + 1, TF_RST | TF_ACK, b, n, 0);
    f->expect = "subtype=8;rst_reason=0x01"; /* tshark prints this field in hex */
    /* 12 our RST with MP_FASTCLOSE (abort): carries the client's key */
    mptcp_abort(&c);
    ts.seq = siss + 101;
    n = mptcp_tx_opts(&c, &c.sf[0], &ts, 0, b, 40);
    f = add(SRV0, CLI0, 7, 40000, siss + 101, ciss + 1, TF_RST | TF_ACK, b, n, 0);
    snprintf(f->expect_buf, sizeof(f->expect_buf), "subtype=7;recvkey=%llu",
             (unsigned long long)H_KEY_A);
    f->expect = f->expect_buf;
}

static void put16(FILE *o, uint16_t v)
{
    fputc(v >> 8, o);
    fputc(v & 0xff, o);
}

static void put32(FILE *o, uint32_t v)
{
    put16(o, (uint16_t)(v >> 16));
    put16(o, (uint16_t)v);
}

static void le32(FILE *o, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        fputc((v >> (8 * i)) & 0xff, o);
}

/* pcap (libpcap format, LINKTYPE_RAW = 101: bare IPv4) */
static int write_pcap(const char *path)
{
    FILE *o = fopen(path, "wb");
    if (!o) {
        perror(path);
        return 1;
    }
    le32(o, 0xa1b2c3d4);
    fputc(2, o), fputc(0, o), fputc(4, o), fputc(0, o); /* version 2.4 */
    le32(o, 0);
    le32(o, 0);
    le32(o, 65535);
    le32(o, 101);
    for (int i = 0; i < nfr; i++) {
        const struct frame *f = &fr[i];
        uint32_t tcplen = 20 + (uint32_t)f->olen;
        uint32_t total = 20 + tcplen + f->plen;
        le32(o, (uint32_t)i + 1);
        le32(o, 0);
        le32(o, total);
        le32(o, total);
        /* IPv4 header (RFC 791), checksum left 0: the dissector does not need it */
        fputc(0x45, o), fputc(0, o);
        put16(o, (uint16_t)total);
        put16(o, (uint16_t)i), put16(o, 0x4000);
        fputc(64, o), fputc(6, o), put16(o, 0);
        put32(o, f->src), put32(o, f->dst);
        /* TCP header (RFC 9293 3.1) */
        put16(o, f->sport), put16(o, f->dport);
        put32(o, f->seq), put32(o, f->ack);
        fputc((uint8_t)((tcplen / 4) << 4), o), fputc(f->flags, o);
        put16(o, 65535), put16(o, 0), put16(o, 0);
        fwrite(f->opt, 1, f->olen, o);
        for (uint16_t k = 0; k < f->plen; k++)
            fputc('d', o);
    }
    return fclose(o) == 0 ? 0 : 1;
}

/* Decoded lines: "frame<TAB>field=value;field=value..." as produced by the suite's tshark call. */
static int verify(const char *path)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        perror(path);
        return 1;
    }
    static char line[4096];
    int bad = 0, seen = 0;
    while (fgets(line, sizeof(line), in)) {
        int no;
        char *tab = strchr(line, '\t');
        if (!tab || sscanf(line, "%d", &no) != 1 || no < 1 || no > nfr)
            continue;
        seen++;
        line[strcspn(line, "\n")] = 0;
        const struct frame *f = &fr[no - 1];
        if (!f->expect[0])
            continue;
        /* every expected field=value must appear among the decoded ones */
        char exp[512];
        snprintf(exp, sizeof(exp), "%s", f->expect);
        bool ok = true;
        for (char *save = NULL, *kv = strtok_r(exp, ";", &save); kv;
             kv = strtok_r(NULL, ";", &save)) {
            char want[160];
            snprintf(want, sizeof(want), ";%s;", kv);
            char have[4200];
            snprintf(have, sizeof(have), ";%s;", tab + 1);
            if (!strstr(have, want)) {
                printf("# frame %d: expected %s in %s\n", no, kv, tab + 1);
                ok = false;
            }
        }
        if (strstr(tab + 1, "alformed") || strstr(tab + 1, "mismatch")) {
            printf("# frame %d: dissector complains: %s\n", no, tab + 1);
            ok = false;
        }
        printf("%s - tshark decodes our frame %d as built: %s\n", ok ? "ok" : "not ok", no,
               f->expect);
        bad += !ok;
    }
    fclose(in);
    if (seen != nfr) {
        printf("not ok - tshark decoded %d of %d frames\n", seen, nfr);
        return 1;
    }
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "write") && strcmp(argv[1], "verify"))) {
        fprintf(stderr, "usage: mptcp_emit write <out.pcap> | verify <decoded.txt>\n");
        return 2;
    }
    script();
    return strcmp(argv[1], "write") == 0 ? write_pcap(argv[2]) : verify(argv[2]);
}
