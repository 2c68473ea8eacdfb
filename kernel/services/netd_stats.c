/* netd_stats.c: netd's counters port: "stats" (every counter), "conns" (live connections),
 * "shutdown". */
#include "arch/qemu.h"
#include "core/irq.h"
#include "core/log.h"
#include "lib/format.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "net/tcp.h"
#include "net/tcp_mptcp.h"
#include "services/netd.h"

struct svc_counters svc_counters;

/* Room for every counter line, or one "conns" line per connection (64+ MPTCP connections); fits
   the 64 KiB send buffer. */
#define STATS_TEXT_MAX 32768
static char text[STATS_TEXT_MAX];
static size_t text_len;

static void line(void (*out)(void *, const char *), void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void line(void (*out)(void *, const char *), void *arg, const char *fmt, ...)
{
    char b[448]; /* the longest line is an MPTCP "conn" line, about 360 bytes */
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    out(arg, b);
}

struct stack_walk {
    void (*out)(void *, const char *);
    void *arg;
};

static void stack_line(const char *name, uint64_t v, void *arg)
{
    struct stack_walk *w = arg;
    line(w->out, w->arg, "stack.%s %llu", name, (unsigned long long)v);
}

void netd_stats_write(void (*out)(void *arg, const char *line), void *arg)
{
    for (int i = 0; i < netd_nic_count(); i++) {
        const struct vnet_stats *s = &netd_nic(i)->stats;
        const struct ns_netif_stats *ns = &netd_stack.nifs[i].stats;
#define NIC_LINE(f) line(out, arg, "nic%d.%s %llu", i, #f, (unsigned long long)s->f)
        NIC_LINE(rx_frames);
        NIC_LINE(rx_bytes);
        NIC_LINE(rx_drops);
        NIC_LINE(tx_frames);
        NIC_LINE(tx_bytes);
        NIC_LINE(tx_drops);
        NIC_LINE(tx_ring_full);
        NIC_LINE(rx_ring_full);
        NIC_LINE(irqs);
        NIC_LINE(kicks);
        NIC_LINE(kicks_suppressed);
#undef NIC_LINE
        line(out, arg, "nic%d.irq_line_count %u", i, irq_count(netd_nic(i)->irq));
        line(out, arg, "if%d.rx_frames %llu", i, (unsigned long long)ns->rx_frames);
        line(out, arg, "if%d.tx_frames %llu", i, (unsigned long long)ns->tx_frames);
        line(out, arg, "if%d.rx_drops %llu", i, (unsigned long long)ns->rx_drops);
        line(out, arg, "if%d.tx_drops %llu", i, (unsigned long long)ns->tx_drops);
    }
    /* Leak checks: control blocks (listeners included), API handles, heap and free pages. */
    line(out, arg, "netd.pcbs %u", netd_stack.n_pcbs);
    line(out, arg, "netd.handles %d", netd_api_handles_used());
    struct kheap_stats hs;
    kheap_get_stats(&hs);
    line(out, arg, "mem.heap_used_bytes %u", hs.used_bytes);
    line(out, arg, "mem.heap_used_blocks %u", hs.used_blocks);
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    line(out, arg, "mem.free_pages %u", ps.free_pages);
    struct stack_walk w = {out, arg};
    ns_stats_foreach(&netd_stack, stack_line, &w);
    if (netd_mp != NULL) {
        struct ns_mp_stats m;
        ns_mp_get_stats(netd_mp, &m);
#define MP_LINE(f) line(out, arg, "mptcp.%s %llu", #f, (unsigned long long)m.f)
        MP_LINE(capable);
        MP_LINE(joins);
        MP_LINE(plain);
        MP_LINE(fallbacks);
        MP_LINE(fb_no_mpc_ack);
        MP_LINE(fb_no_mapping);
        MP_LINE(fb_csum);
        MP_LINE(sf_resets);
        MP_LINE(join_refused);
        MP_LINE(announced);
        MP_LINE(reinjected);
        MP_LINE(fastclosed);
#undef MP_LINE
    }
#define SVC_LINE(f) line(out, arg, "svc.%s %llu", #f, (unsigned long long)svc_counters.f)
    SVC_LINE(echo_conns);
    SVC_LINE(echo_bytes);
    SVC_LINE(rpcd_conns);
    SVC_LINE(rpcd_requests);
    SVC_LINE(rpcd_bad_bytes);
    SVC_LINE(rpcd_bad_requests);
    SVC_LINE(rpcd_framing_errors);
    SVC_LINE(rpcd_resp_bytes);
    SVC_LINE(discard_conns);
    SVC_LINE(discard_bytes);
#undef SVC_LINE
}

struct conn_walk {
    void (*out)(void *, const char *);
    void *arg;
};

static void conn_line(int32_t h, const struct ns_tcp_info *i, const struct mptcp_conn *mp,
                      void *arg)
{
    struct conn_walk *w = arg;
    char l[16], r[16], mps[192] = "mptcp=0";
    ns_format_ipv4(i->local_ip, l);
    ns_format_ipv4(i->remote_ip, r);
    if (mp != NULL && mp->state != MPC_FALLBACK) {
        /* The subflows the peer opened and what each carried (the handle's TCP figures above
           are the initial subflow's). */
        struct mptcp_conn_metrics m;
        mptcp_metrics_read(mp, &m);
        ksnprintf(mps, sizeof mps,
                  "mptcp=1 subflows=%u sf0_rx=%llu sf1_rx=%llu dl_holes=%u dl_unacked=%llu "
                  "dl_tx_room=%u dl_readable=%u",
                  m.nsubflows, (unsigned long long)m.sf[0].bytes, (unsigned long long)m.sf[1].bytes,
                  m.dl_holes, (unsigned long long)(mp->snd_nxt - mp->snd_una), mptcp_tx_room(mp),
                  m.readable);
    } else if (mp != NULL) {
        ksnprintf(mps, sizeof mps, "mptcp=fallback");
    }
    line(w->out, w->arg,
         "conn h=%d state=%s local=%s:%u remote=%s:%u mss=%u wscale=%u/%u ts=%d sack=%d "
         "cwnd=%u ssthresh=%u srtt_us=%u rto_ms=%u snd_wnd=%u rcv_wnd=%u retrans=%llu %s",
         (int)h, ns_tcp_state_name(i->state), l, i->local_port, r, i->remote_port, i->mss,
         i->snd_wscale, i->rcv_wscale, i->ts_ok, i->sack_ok, i->cwnd, i->ssthresh, i->srtt_us,
         i->rto_ms, i->snd_wnd, i->rcv_wnd, (unsigned long long)i->retransmits, mps);
}

static void to_text(void *arg, const char *l)
{
    (void)arg;
    size_t n = strlen(l);
    if (text_len + n + 1 >= STATS_TEXT_MAX)
        return; /* cannot happen with today's counter list; the text just ends early */
    memcpy(text + text_len, l, n);
    text[text_len + n] = '\n';
    text_len += n + 1;
}

static void to_log(void *arg, const char *l)
{
    (void)arg;
    kprintf("STAT %s\n", l);
}

/* Runs under netd_lock, from inside the stack's dispatch. */
static void on_conn(void *arg, struct tcp_pcb *s, unsigned ev)
{
    (void)arg;
    (void)ev;
    char cmd[32];
    long n = ns_tcp_recv(s, cmd, sizeof cmd - 1);
    if (n == NS_EAGAIN)
        return;
    if (n > 0) {
        cmd[n] = '\0';
        if (strncmp(cmd, "shutdown", 8) == 0) {
            LOGI("netd: shutdown requested; counters follow");
            netd_stats_write(to_log, NULL);
            kprintf("SHUTDOWN netsync\n");
            qemu_exit(QEMU_EXIT_PASS);
        }
        text_len = 0;
        if (strncmp(cmd, "conns", 5) == 0) {
            struct conn_walk w = {to_text, NULL};
            netd_api_foreach_conn(conn_line, &w); /* "conns": one line per service connection */
        } else {
            netd_stats_write(to_text, NULL);
        }
        long w = ns_tcp_send(s, text, text_len);
        if (w != (long)text_len)
            LOGW("netd: stats reply cut to %ld of %u bytes", w, (unsigned)text_len);
    }
    /* Drain anything else the client sent so the close is a FIN, not a RST (RFC 2525 2.17). */
    while (ns_tcp_recv(s, cmd, sizeof cmd) > 0) {
    }
    ns_tcp_close(s);
}

static void on_accept(void *arg, struct tcp_pcb *l, unsigned ev)
{
    (void)arg;
    if (!(ev & NS_EV_ACCEPT))
        return;
    struct tcp_pcb *c;
    while ((c = ns_tcp_accept(l)) != NULL) {
        ns_tcp_set_callback(c, on_conn, NULL);
        on_conn(NULL, c, NS_EV_IN);
    }
}

int netd_stats_start(uint16_t port)
{
    int err = 0;
    mutex_lock(&netd_lock);
    struct tcp_pcb *l = ns_tcp_listen(&netd_stack, 0, port, 8, &err);
    if (l != NULL)
        ns_tcp_set_callback(l, on_accept, NULL);
    mutex_unlock(&netd_lock);
    return l != NULL ? 0 : (err ? err : -1);
}
