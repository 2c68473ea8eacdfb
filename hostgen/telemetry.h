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

/* Samples fd (an MPTCP socket, or a TCP one when tcp is true). Returns 0 or -errno. */
int tele_sample(int fd, bool tcp, struct conn_sample *cs);

/* CSV header and rows (one per subflow, or one with sf=-1 when none is known). */
void tele_write_header(FILE *f);
void tele_write_rows(FILE *f, int64_t t_ns, unsigned conn, const struct conn_sample *cs);
/* "a.b.c.d:port" (or "-"), into buf. */
const char *tele_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);

#endif
