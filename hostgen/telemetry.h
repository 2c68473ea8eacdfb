/* telemetry.h: per-connection MPTCP and per-subflow TCP state (MPTCP_INFO, MPTCP_TCPINFO,
 * MPTCP_SUBFLOW_ADDRS). */
#ifndef HOSTGEN_TELEMETRY_H
#define HOSTGEN_TELEMETRY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

/* Subflows recorded per connection; more are counted but not detailed. */
#define TELE_MAX_SF 8

struct sf_sample {
    bool have_addr;
    struct sockaddr_storage local, remote;
    bool have_info;
    uint8_t state;
    uint32_t rtt_us, rttvar_us, snd_cwnd, total_retrans, lost;
    uint64_t bytes_acked, bytes_received, bytes_sent;
};

struct conn_sample {
    bool mptcp_info;  /* MPTCP_INFO answered */
    bool fallback;    /* connection runs as plain TCP (EOPNOTSUPP or MPTCPI flag) */
    uint8_t subflows; /* mptcpi_subflows: additional subflows (the initial one not counted) */
    uint32_t flags;
    uint64_t write_seq, snd_una, rcv_nxt;
    uint32_t nsf_kernel; /* subflows the kernel reported */
    bool full_info;      /* one MPTCP_FULL_INFO snapshot (else three separate getsockopts) */
    size_t nsf;          /* entries filled in sf[] */
    struct sf_sample sf[TELE_MAX_SF];
};

/*
 * Pure parsers of what getsockopt returned (len = returned optlen), safe on any bytes: they
 * check the lengths because the kernel's structs grow between versions. Return 0 or -1.
 */
int tele_parse_info(const void *buf, size_t len, struct conn_sample *cs);
int tele_parse_tcpinfo(const void *buf, size_t len, struct conn_sample *cs);
int tele_parse_addrs(const void *buf, size_t len, struct conn_sample *cs);

/*
 * MPTCP_FULL_INFO (Linux 6.5+, uapi mptcp.h; Debian 12's headers predate it): one call fills
 * mptcp_info plus caller-provided arrays of mptcp_subflow_info and tcp_info. Layout copied from
 * include/uapi/linux/mptcp.h under our own names so newer headers cannot clash.
 */
struct hg_mptcp_full_info {
    uint32_t size_tcpinfo_kernel; /* set by the kernel */
    uint32_t size_tcpinfo_user;
    uint32_t size_sfinfo_kernel; /* set by the kernel */
    uint32_t size_sfinfo_user;
    uint32_t num_subflows; /* set by the kernel: the real count */
    uint32_t size_arrays_user;
    uint64_t subflow_info __attribute__((aligned(8))); /* user pointer */
    uint64_t tcp_info __attribute__((aligned(8)));     /* user pointer */
    /* struct mptcp_info follows (variable size across kernels) */
};

/*
 * Parses an MPTCP_FULL_INFO answer: fi/len as returned (len = optlen), sf and ti the arrays the
 * caller passed with element sizes fi->size_sfinfo_user / size_tcpinfo_user and capacity
 * fi->size_arrays_user. 0 or -1.
 */
int tele_parse_full(const void *fi, size_t len, const void *sf, const void *ti,
                    struct conn_sample *cs);

/* Samples fd (an MPTCP socket, or a TCP one when tcp is true). Returns 0 or -errno. */
int tele_sample(int fd, bool tcp, struct conn_sample *cs);

/* CSV header and rows (one per subflow, or one with sf=-1 when none is known). */
void tele_write_header(FILE *f);
void tele_write_rows(FILE *f, int64_t t_ns, unsigned conn, const struct conn_sample *cs);
/* "a.b.c.d:port" (or "-"), into buf. */
const char *tele_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);

#endif
