/* harness.h: lwIP-style test harness for the stack: fake clock, counted allocator, recording netif.
 */
#ifndef NETSYNC_TEST_NET_HARNESS_H
#define NETSYNC_TEST_NET_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "net.h"
#include "tcp.h"

#define H_MAX_FRAMES 512
#define H_FRAME_MAX  1600

/* Addresses used everywhere: the stack is 10.1.0.2/24, the peer 10.1.0.1. */
#define H_STACK_IP 0x0a010002u
#define H_PEER_IP  0x0a010001u
extern const uint8_t h_stack_mac[6], h_peer_mac[6];

struct h_frame {
    uint8_t data[H_FRAME_MAX];
    size_t len;
};

extern uint64_t h_now_ns;  /* the port clock: tests move it */
extern long h_live_allocs; /* allocations not yet freed */
extern struct h_frame h_out[H_MAX_FRAMES];
extern int h_n_out;
extern int h_fail_output; /* linkout returns -1 while set */

/* A fresh stack with one interface up (its gratuitous ARP is cleared from h_out) and the
 * peer's MAC already in the ARP cache. cfg may be NULL. */
struct ns_stack *h_setup(const struct ns_config *cfg);
/* Destroys the stack and checks nothing leaked. */
void h_teardown(void);
struct ns_stack *h_stack(void);
struct ns_netif *h_nif(void);
void h_advance_ms(uint64_t ms);
void h_clear_out(void);

/* Independent Internet checksum (not the stack's) for building and checking frames. */
uint16_t h_csum(const uint8_t *p, size_t len, uint32_t sum);

/* Builds Ethernet+IPv4 around an L4 payload and feeds it to the stack. */
void h_send_ip(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, size_t len);

/* A segment as the peer sends it or as the stack sent it. */
struct h_seg {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd;
    uint8_t opt[40];
    size_t optlen;
    uint8_t data[H_FRAME_MAX];
    size_t len;
};
/* Sends a segment from the peer (checksum computed unless bad_csum). */
void h_send_tcp(const struct h_seg *s, bool bad_csum);
/* Parses h_out[i] as TCP; false if it is not a valid TCP/IPv4 frame to the peer. */
bool h_parse_tcp(int i, struct h_seg *s);
/* Index of the last TCP frame in h_out, or -1. */
int h_last_tcp(void);
int h_count_tcp(void);
/* Finds option `kind` in a parsed segment's options; returns pointer to it or NULL. */
const uint8_t *h_find_opt(const struct h_seg *s, uint8_t kind);

/* TCP flags (RFC 9293 3.1). */
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

/* A scripted peer connection to port `dport` on the stack. */
struct h_peer {
    uint16_t port, dport;
    uint32_t snd_nxt; /* peer's next sequence number */
    uint32_t rcv_nxt; /* what the peer acknowledges */
    uint32_t tsval;
};
/* Runs a three-way handshake with MSS 1460, WS 7, SACK-permitted, timestamps (opts=true) or no
 * options; returns the accepted socket (listener must exist). */
struct tcp_pcb *h_handshake(struct h_peer *p, struct tcp_pcb *listener, bool opts);
/* Peer sends data/flags at its snd_nxt acking rcv_nxt (with a timestamp when ts is set). */
void h_peer_send(struct h_peer *p, uint8_t flags, const void *data, size_t len, bool ts);

int run_arp_ip_tests(void);
int run_tcp_tests(void);
int run_tcp_more_tests(void);

#endif
