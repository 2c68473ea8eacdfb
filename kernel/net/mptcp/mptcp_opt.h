/* mptcp_opt.h: MPTCP v1 TCP option codec (RFC 8684 section 3): parse and build every subtype. */
#ifndef NETSYNC_MPTCP_OPT_H
#define NETSYNC_MPTCP_OPT_H

#include "../../lib/klib.h"

/* RFC 8684 3 / IANA "TCP Option Kind Numbers": Multipath TCP is TCP option kind 30. */
#define TCPOPT_MPTCP 30
/* RFC 793 / RFC 9293 3.1: total TCP option space is 40 bytes. */
#define TCP_OPT_SPACE 40

/* RFC 8684 8 (IANA "MPTCP Option Subtypes"): the 4-bit subtype in the high nibble of byte 2. */
enum mptcp_subtype {
    MPTCP_SUB_CAPABLE = 0x0,
    MPTCP_SUB_JOIN = 0x1,
    MPTCP_SUB_DSS = 0x2,
    MPTCP_SUB_ADD_ADDR = 0x3,
    MPTCP_SUB_RM_ADDR = 0x4,
    MPTCP_SUB_PRIO = 0x5,
    MPTCP_SUB_FAIL = 0x6,
    MPTCP_SUB_FASTCLOSE = 0x7,
    MPTCP_SUB_TCPRST = 0x8,
    MPTCP_SUB_COUNT
};

/* RFC 8684 3.1: MP_CAPABLE version field; this implementation speaks version 1 only. */
#define MPTCP_VERSION 1

/* RFC 8684 3.1 Figure 4: MP_CAPABLE lengths by handshake step. */
#define MPC_LEN_SYN       4  /* SYN: no key */
#define MPC_LEN_SYNACK    12 /* SYN/ACK: sender's key */
#define MPC_LEN_ACK       20 /* third ACK: both keys */
#define MPC_LEN_DATA      22 /* first data: both keys + data-level length */
#define MPC_LEN_DATA_CSUM 24 /* ... + checksum when negotiated */
/* RFC 8684 3.1: MP_CAPABLE flag bits A..H (byte 3, A is the MSB). */
#define MPC_FLAG_A_CSUM     0x80 /* A: checksum required */
#define MPC_FLAG_B_EXT      0x40 /* B: extensibility, must be 0 in v1 */
#define MPC_FLAG_C_NOJOINIA 0x20 /* C: do not join the initial address */
#define MPC_FLAG_DG_MASK    0x1e /* D..G: reserved for future crypto, must be 0 */
#define MPC_FLAG_H_SHA256   0x01 /* H: HMAC-SHA256, must be 1 */

/* RFC 8684 3.2 Figures 5-7: MP_JOIN lengths. */
#define MPJ_LEN_SYN     12
#define MPJ_LEN_SYNACK  16
#define MPJ_LEN_ACK     24
#define MPJ_FLAG_BACKUP 0x01 /* B flag, low bit of byte 2 (SYN, SYN/ACK) */
#define MPJ_HMAC_LEN    20   /* third ACK carries the leftmost 160 bits of HMAC-SHA256 */

/* RFC 8684 3.3 Figure 9: DSS flags (byte 3). */
#define DSS_FLAG_A_ACK    0x01 /* A: Data ACK present */
#define DSS_FLAG_a_ACK8   0x02 /* a: Data ACK is 8 octets */
#define DSS_FLAG_M_MAP    0x04 /* M: DSN, SSN, Data-Level Length (and checksum) present */
#define DSS_FLAG_m_DSN8   0x08 /* m: DSN is 8 octets */
#define DSS_FLAG_F_FIN    0x10 /* F: DATA_FIN */
#define DSS_FLAG_RESERVED 0xe0 /* reserved, must be zero */

/* RFC 8684 3.4.1 Figure 12: ADD_ADDR echo flag E (low bit of byte 2). */
#define ADD_ADDR_FLAG_ECHO 0x01
/* RFC 8684 3.4.1: truncated HMAC in ADD_ADDR is 64 bits. */
#define ADD_ADDR_HMAC_LEN 8
/* RFC 8684 3.3.8 Figure 14: MP_PRIO backup flag B. */
#define MP_PRIO_FLAG_BACKUP 0x01
#define MP_PRIO_LEN         3
/* RFC 8684 3.5 Figure 15 / 3.7 Figure 16: MP_FASTCLOSE and MP_FAIL are 12 bytes. */
#define MP_FASTCLOSE_LEN 12
#define MP_FAIL_LEN      12
/* RFC 8684 3.6 Figure 17: MP_TCPRST is 4 bytes, flags U V W T, T = transient (0x1). */
#define MP_TCPRST_LEN    4
#define MP_TCPRST_FLAG_T 0x01
/* RFC 8684 3.6 Table 2: MP_TCPRST reason codes. */
enum mptcp_rst_reason {
    MPTCP_RST_UNSPEC = 0x00,    /* unspecified error */
    MPTCP_RST_MPTCP_ERR = 0x01, /* MPTCP-specific error (e.g. join HMAC failure) */
    MPTCP_RST_RESOURCE = 0x02,  /* lack of resources */
    MPTCP_RST_ADMIN = 0x03,     /* administratively prohibited */
    MPTCP_RST_TOO_MUCH = 0x04,  /* too much outstanding data */
    MPTCP_RST_UNACCEPT = 0x05,  /* unacceptable performance */
    MPTCP_RST_MIDDLEBOX = 0x06, /* middlebox interference */
};

/* Why a received option was rejected; 0 means accepted. */
enum mptcp_opt_err {
    MPTCP_OPT_OK = 0,
    MPTCP_OPT_ERR_TRUNCATED = -1, /* fewer bytes than the length byte claims, or < 3 */
    MPTCP_OPT_ERR_KIND = -2,      /* not kind 30 */
    MPTCP_OPT_ERR_SUBTYPE = -3,   /* unknown subtype (RFC 8684 8: unassigned) */
    MPTCP_OPT_ERR_LENGTH = -4,    /* length not valid for this subtype / flags */
    MPTCP_OPT_ERR_VERSION = -5,   /* MP_CAPABLE version not 1 where only 1 is valid */
    MPTCP_OPT_ERR_FLAGS = -6,     /* a must-be-zero/must-be-one bit is wrong */
    MPTCP_OPT_ERR_VALUE = -7,     /* a field holds a value the RFC forbids */
};

const char *mptcp_opt_strerror(int err);

enum mptcp_join_step { MPJ_SYN, MPJ_SYNACK, MPJ_ACK };

struct mptcp_opt {
    uint8_t subtype; /* enum mptcp_subtype */
    uint8_t len;     /* wire length; set by parse, computed by build */
    union {
        struct {
            uint8_t version;
            uint8_t flags;
            uint8_t nkeys; /* 0 (SYN), 1 (SYN/ACK), 2 (ACK / data) */
            bool has_data_len;
            bool has_csum;
            uint64_t snd_key; /* option sender's key */
            uint64_t rcv_key; /* option receiver's key */
            uint16_t data_len;
            uint16_t csum;
        } mpc;
        struct {
            uint8_t step; /* enum mptcp_join_step */
            bool backup;
            uint8_t addr_id;
            uint32_t token;             /* SYN: receiver's token */
            uint32_t nonce;             /* SYN, SYN/ACK: sender's random number */
            uint64_t hmac64;            /* SYN/ACK: truncated HMAC */
            uint8_t hmac[MPJ_HMAC_LEN]; /* ACK: 160-bit HMAC */
        } join;
        struct {
            uint8_t flags;     /* DSS_FLAG_* */
            bool has_csum;     /* only meaningful with DSS_FLAG_M_MAP */
            uint64_t data_ack; /* 32-bit values are zero-extended; caller expands */
            uint64_t dsn;
            uint32_t ssn;      /* relative subflow sequence number */
            uint16_t data_len; /* 0 = infinite mapping (RFC 8684 3.3.1) */
            uint16_t csum;
        } dss;
        struct {
            bool echo;
            bool ipv6;
            bool has_port;
            uint8_t addr_id;
            uint8_t addr[16]; /* IPv4 in the first 4 bytes, network order */
            uint16_t port;
            uint64_t hmac; /* only when !echo */
        } add_addr;
        struct {
            uint8_t n;
            uint8_t ids[TCP_OPT_SPACE];
        } rm_addr;
        struct {
            bool backup;
        } prio;
        struct {
            uint64_t dsn;
        } fail;
        struct {
            uint64_t key; /* option receiver's key */
        } fastclose;
        struct {
            uint8_t flags;
            uint8_t reason;
        } tcprst;
    } u;
};

/* Parses one option starting at its kind byte; `avail` is how many bytes the buffer holds. */
int mptcp_opt_parse(const uint8_t *p, size_t avail, struct mptcp_opt *out);

/* Writes one option into buf (no padding). Returns its length, or 0 if `room` is too small or
 * the struct describes something that cannot be encoded (caller bug or unsupported combination). */
size_t mptcp_opt_build(const struct mptcp_opt *o, uint8_t *buf, size_t room);

/* Wire length the option would take (0 if not encodable). */
size_t mptcp_opt_len(const struct mptcp_opt *o);

/* All MPTCP options found in one TCP header's option area (RFC 9293 3.1 option list). */
struct mptcp_opt_set {
    uint16_t present; /* bit (1 << subtype) for each subtype parsed successfully */
    struct mptcp_opt opt[MPTCP_SUB_COUNT];
    uint8_t nerrors; /* malformed MPTCP options seen (ignored, RFC 8684 3: invalid option) */
    int8_t last_err; /* enum mptcp_opt_err of the last one */
    uint8_t ndup;    /* repeated subtypes (the first one is kept) */
};

/* Walks a TCP option area (after the 20-byte header) and collects every MPTCP option.
 * Returns 0, or MPTCP_OPT_ERR_TRUNCATED if the TCP option list itself is malformed. */
int mptcp_opts_parse_tcp(const uint8_t *opts, size_t len, struct mptcp_opt_set *set);

/* Adds one raw kind-30 option (as a TCP layer that keeps raw option bytes hands them over) to a
 * set, with the same rules as mptcp_opts_parse_tcp. Returns the parse result. */
int mptcp_opt_set_add(struct mptcp_opt_set *set, const uint8_t *p, size_t len);

static inline bool mptcp_has(const struct mptcp_opt_set *s, enum mptcp_subtype t)
{
    return (s->present >> t) & 1u;
}

#endif
