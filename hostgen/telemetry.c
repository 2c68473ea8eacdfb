/* telemetry.c: reads and records MPTCP_INFO and per-subflow tcp_info/addresses of a connection. */
#include "telemetry.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/mptcp.h>
#include <linux/tcp.h> /* the kernel's tcp_info: glibc's copy lacks the byte counters */
#include <string.h>

#ifndef MPTCP_FULL_INFO
/* include/uapi/linux/mptcp.h (6.5+): MPTCP_FULL_INFO 4. */
#define MPTCP_FULL_INFO 4
#endif

#ifndef SOL_MPTCP
/* include/linux/socket.h: SOL_MPTCP 284 (not exported by glibc 2.36). */
#define SOL_MPTCP 284
#endif

/* Offset of mptcpi_rcv_nxt's end: the oldest MPTCP_INFO layout (Linux 5.16) is at least this. */
#define INFO_MIN_LEN (offsetof(struct mptcp_info, mptcpi_rcv_nxt) + sizeof(uint64_t))

int tele_parse_info(const void *buf, size_t len, struct conn_sample *cs)
{
    struct mptcp_info mi;
    if (len < INFO_MIN_LEN)
        return -1;
    memset(&mi, 0, sizeof(mi));
    memcpy(&mi, buf, len < sizeof(mi) ? len : sizeof(mi));
    cs->mptcp_info = true;
    cs->subflows = mi.mptcpi_subflows;
    cs->flags = mi.mptcpi_flags;
    /* include/uapi/linux/mptcp.h: MPTCP_INFO_FLAG_FALLBACK, set once the connection fell back. */
    cs->fallback = (mi.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK) != 0;
    cs->write_seq = mi.mptcpi_write_seq;
    cs->snd_una = mi.mptcpi_snd_una;
    cs->rcv_nxt = mi.mptcpi_rcv_nxt;
    return 0;
}

/*
 * MPTCP_TCPINFO and MPTCP_SUBFLOW_ADDRS answer with struct mptcp_subflow_data (uapi mptcp.h)
 * followed by num_subflows elements of size_user bytes each, starting at size_subflow_data.
 */
static int parse_sfd(const void *buf, size_t len, uint32_t *count, size_t *elem, size_t *first)
{
    struct mptcp_subflow_data sfd;
    if (len < sizeof(sfd))
        return -1;
    memcpy(&sfd, buf, sizeof(sfd));
    if (sfd.size_subflow_data < sizeof(sfd) || sfd.size_subflow_data > len || sfd.size_user == 0)
        return -1;
    size_t room = (len - sfd.size_subflow_data) / sfd.size_user;
    *count = sfd.num_subflows;
    *elem = sfd.size_user;
    *first = sfd.size_subflow_data;
    /* The kernel copies no more elements than fit; never read past what it returned. */
    if (room < *count)
        *count = (uint32_t)room;
    if (*count > TELE_MAX_SF)
        *count = TELE_MAX_SF;
    return (int)sfd.num_subflows;
}

int tele_parse_tcpinfo(const void *buf, size_t len, struct conn_sample *cs)
{
    uint32_t n;
    size_t elem, first;
    int total = parse_sfd(buf, len, &n, &elem, &first);
    if (total < 0)
        return -1;
    cs->nsf_kernel = (uint32_t)total;
    for (uint32_t i = 0; i < n; i++) {
        struct tcp_info ti;
        memset(&ti, 0, sizeof(ti));
        memcpy(&ti, (const uint8_t *)buf + first + (size_t)i * elem,
               elem < sizeof(ti) ? elem : sizeof(ti));
        struct sf_sample *s = &cs->sf[i];
        s->have_info = true;
        s->state = ti.tcpi_state;
        s->rtt_us = ti.tcpi_rtt;
        s->rttvar_us = ti.tcpi_rttvar;
        s->snd_cwnd = ti.tcpi_snd_cwnd;
        s->total_retrans = ti.tcpi_total_retrans;
        s->lost = ti.tcpi_lost;
        /* Fields past the size the kernel filled stay zero (older kernels). */
        s->bytes_acked = ti.tcpi_bytes_acked;
        s->bytes_received = ti.tcpi_bytes_received;
        s->bytes_sent = ti.tcpi_bytes_sent;
    }
    if (n > cs->nsf)
        cs->nsf = n;
    return 0;
}

int tele_parse_addrs(const void *buf, size_t len, struct conn_sample *cs)
{
    uint32_t n;
    size_t elem, first;
    int total = parse_sfd(buf, len, &n, &elem, &first);
    if (total < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        struct mptcp_subflow_addrs a;
        memset(&a, 0, sizeof(a));
        memcpy(&a, (const uint8_t *)buf + first + (size_t)i * elem,
               elem < sizeof(a) ? elem : sizeof(a));
        struct sf_sample *s = &cs->sf[i];
        s->have_addr = true;
        memcpy(&s->local, &a.ss_local, sizeof(s->local));
        memcpy(&s->remote, &a.ss_remote, sizeof(s->remote));
    }
    if (n > cs->nsf)
        cs->nsf = n;
    return 0;
}

/* One element of the MPTCP_FULL_INFO subflow array (uapi struct mptcp_subflow_info). */
struct hg_sfinfo {
    uint32_t id;
    struct mptcp_subflow_addrs addrs;
};

/* The uapi layouts on x86-64: a 40-byte header, 8 + 256-byte subflow entries. */
_Static_assert(sizeof(struct hg_mptcp_full_info) == 40, "uapi mptcp_full_info header layout");
_Static_assert(sizeof(struct hg_sfinfo) == 8 + sizeof(struct mptcp_subflow_addrs),
               "uapi mptcp_subflow_info layout");

int tele_parse_full(const void *fi, size_t len, const void *sf, const void *ti,
                    struct conn_sample *cs)
{
    struct hg_mptcp_full_info h;
    if (len < sizeof(h))
        return -1;
    memcpy(&h, fi, sizeof(h));
    if (tele_parse_info((const uint8_t *)fi + sizeof(h), len - sizeof(h), cs) != 0)
        return -1;
    if (h.size_sfinfo_user == 0 || h.size_tcpinfo_user == 0)
        return -1;
    uint32_t n = h.num_subflows < h.size_arrays_user ? h.num_subflows : h.size_arrays_user;
    if (n > TELE_MAX_SF)
        n = TELE_MAX_SF;
    /* The kernel filled min(its size, ours) bytes of each element; the stride is ours. */
    size_t sfl =
        h.size_sfinfo_kernel < h.size_sfinfo_user ? h.size_sfinfo_kernel : h.size_sfinfo_user;
    size_t til =
        h.size_tcpinfo_kernel < h.size_tcpinfo_user ? h.size_tcpinfo_kernel : h.size_tcpinfo_user;
    cs->nsf_kernel = h.num_subflows;
    cs->full_info = true;
    for (uint32_t i = 0; i < n; i++) {
        struct hg_sfinfo e;
        struct tcp_info t;
        memset(&e, 0, sizeof(e));
        memset(&t, 0, sizeof(t));
        memcpy(&e, (const uint8_t *)sf + (size_t)i * h.size_sfinfo_user,
               sfl < sizeof(e) ? sfl : sizeof(e));
        memcpy(&t, (const uint8_t *)ti + (size_t)i * h.size_tcpinfo_user,
               til < sizeof(t) ? til : sizeof(t));
        struct sf_sample *s = &cs->sf[i];
        s->have_addr = sfl >= sizeof(e);
        memcpy(&s->local, &e.addrs.ss_local, sizeof(s->local));
        memcpy(&s->remote, &e.addrs.ss_remote, sizeof(s->remote));
        s->have_info = til > 0;
        s->state = t.tcpi_state;
        s->rtt_us = t.tcpi_rtt;
        s->rttvar_us = t.tcpi_rttvar;
        s->snd_cwnd = t.tcpi_snd_cwnd;
        s->total_retrans = t.tcpi_total_retrans;
        s->lost = t.tcpi_lost;
        s->bytes_acked = t.tcpi_bytes_acked;
        s->bytes_received = t.tcpi_bytes_received;
        s->bytes_sent = t.tcpi_bytes_sent;
    }
    cs->nsf = n;
    return 0;
}

/* One MPTCP_FULL_INFO call; -errno when the kernel does not know it (then: three calls). */
static int sample_full(int fd, struct conn_sample *cs)
{
    struct {
        struct hg_mptcp_full_info h;
        struct mptcp_info mi;
    } req;
    static struct hg_sfinfo sf[TELE_MAX_SF];
    static struct tcp_info ti[TELE_MAX_SF];
    memset(&req, 0, sizeof(req));
    req.h.size_sfinfo_user = sizeof(sf[0]);
    req.h.size_tcpinfo_user = sizeof(ti[0]);
    req.h.size_arrays_user = TELE_MAX_SF;
    req.h.subflow_info = (uint64_t)(uintptr_t)sf;
    req.h.tcp_info = (uint64_t)(uintptr_t)ti;
    socklen_t len = sizeof(req);
    if (getsockopt(fd, SOL_MPTCP, MPTCP_FULL_INFO, &req, &len) != 0)
        return -errno;
    return tele_parse_full(&req, len, sf, ti, cs) == 0 ? 0 : -EINVAL;
}

/* Buffer for a subflow_data header plus TELE_MAX_SF elements of the larger struct. */
union sfd_buf {
    struct mptcp_subflow_data hdr;
    uint8_t raw[sizeof(struct mptcp_subflow_data) +
                TELE_MAX_SF * (sizeof(struct tcp_info) > sizeof(struct mptcp_subflow_addrs)
                                   ? sizeof(struct tcp_info)
                                   : sizeof(struct mptcp_subflow_addrs))];
};

static int get_sfd(int fd, int opt, size_t elem, union sfd_buf *b, socklen_t *len)
{
    memset(b, 0, sizeof(*b));
    b->hdr.size_subflow_data = sizeof(b->hdr);
    b->hdr.size_user = (uint32_t)elem;
    *len = (socklen_t)(sizeof(b->hdr) + TELE_MAX_SF * elem);
    return getsockopt(fd, SOL_MPTCP, opt, b, len) == 0 ? 0 : -errno;
}

static int sample_tcp(int fd, struct conn_sample *cs)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    union sfd_buf b;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return -errno;
    /* Present it as a one-element subflow array so one parser serves both cases. */
    memset(&b, 0, sizeof(b));
    b.hdr.size_subflow_data = sizeof(b.hdr);
    b.hdr.num_subflows = 1;
    b.hdr.size_user = len;
    memcpy(b.raw + sizeof(b.hdr), &ti, len);
    if (tele_parse_tcpinfo(&b, sizeof(b.hdr) + len, cs) != 0)
        return -EINVAL;
    struct sf_sample *s = &cs->sf[0];
    socklen_t al = sizeof(s->local);
    if (getsockname(fd, (struct sockaddr *)&s->local, &al) != 0)
        return -errno;
    al = sizeof(s->remote);
    if (getpeername(fd, (struct sockaddr *)&s->remote, &al) != 0)
        return -errno;
    s->have_addr = true;
    return 0;
}

int tele_sample(int fd, bool tcp, struct conn_sample *cs)
{
    memset(cs, 0, sizeof(*cs));
    if (tcp)
        return sample_tcp(fd, cs);
    int rc = sample_full(fd, cs);
    if (rc == 0 && !cs->fallback)
        return 0;
    if (rc == -EOPNOTSUPP || cs->fallback) {
        /* net/mptcp/sockopt.c: a fallen-back socket has no subflow list; sample it as TCP. */
        memset(cs, 0, sizeof(*cs));
        cs->fallback = true;
        return sample_tcp(fd, cs);
    }
    memset(cs, 0, sizeof(*cs));
    struct mptcp_info mi;
    socklen_t len = sizeof(mi);
    if (getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &mi, &len) != 0) {
        /* net/mptcp/sockopt.c: a fallen-back socket answers EOPNOTSUPP; sample it as TCP. */
        if (errno != EOPNOTSUPP)
            return -errno;
        cs->fallback = true;
        return sample_tcp(fd, cs);
    }
    if (tele_parse_info(&mi, len, cs) != 0)
        return -EINVAL;
    union sfd_buf b;
    if (get_sfd(fd, MPTCP_TCPINFO, sizeof(struct tcp_info), &b, &len) == 0)
        (void)tele_parse_tcpinfo(&b, len, cs);
    if (get_sfd(fd, MPTCP_SUBFLOW_ADDRS, sizeof(struct mptcp_subflow_addrs), &b, &len) == 0)
        (void)tele_parse_addrs(&b, len, cs);
    return 0;
}

const char *tele_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
    char a[INET6_ADDRSTRLEN];
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        if (inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a)) == NULL)
            return "-";
        snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        if (inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a)) == NULL)
            return "-";
        snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
    } else {
        snprintf(buf, len, "-");
    }
    return buf;
}

void tele_write_header(FILE *f)
{
    fputs("t_ns,conn,fallback,subflows,mptcp_flags,write_seq,snd_una,rcv_nxt,sf,local,remote,"
          "tcp_state,rtt_us,rttvar_us,snd_cwnd,total_retrans,lost,bytes_acked,bytes_received,"
          "bytes_sent\n",
          f);
}

void tele_write_rows(FILE *f, int64_t t_ns, unsigned conn, const struct conn_sample *cs)
{
    char l[64], r[64];
    if (cs->nsf == 0) {
        fprintf(f, "%lld,%u,%d,%u,%u,%llu,%llu,%llu,-1,-,-,0,0,0,0,0,0,0,0,0\n", (long long)t_ns,
                conn, cs->fallback, cs->subflows, cs->flags, (unsigned long long)cs->write_seq,
                (unsigned long long)cs->snd_una, (unsigned long long)cs->rcv_nxt);
        return;
    }
    for (size_t i = 0; i < cs->nsf; i++) {
        const struct sf_sample *s = &cs->sf[i];
        fprintf(f, "%lld,%u,%d,%u,%u,%llu,%llu,%llu,%zu,%s,%s,%u,%u,%u,%u,%u,%u,%llu,%llu,%llu\n",
                (long long)t_ns, conn, cs->fallback, cs->subflows, cs->flags,
                (unsigned long long)cs->write_seq, (unsigned long long)cs->snd_una,
                (unsigned long long)cs->rcv_nxt, i,
                s->have_addr ? tele_addr_str(&s->local, l, sizeof(l)) : "-",
                s->have_addr ? tele_addr_str(&s->remote, r, sizeof(r)) : "-", s->state, s->rtt_us,
                s->rttvar_us, s->snd_cwnd, s->total_retrans, s->lost,
                (unsigned long long)s->bytes_acked, (unsigned long long)s->bytes_received,
                (unsigned long long)s->bytes_sent);
    }
}
