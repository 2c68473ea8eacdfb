/* netd.c: netd's main thread: NIC bring-up, interrupt bottom halves, the stack's timers. */
#include "services/netd.h"
#include "core/irq.h"
#include "arch/io.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/thread.h"
#include "net/tcp_mptcp.h"
#include "services/netapi.h"
#include "services/p2p_records.h"
#include "services/services.h"

struct ns_stack netd_stack;
struct mutex netd_lock;
struct notification netd_note;
struct ns_mp *netd_mp;

static struct vnet nics[NETD_MAX_NICS];
static struct irq_binding binds[NETD_MAX_NICS];
static struct ns_netif *nifs[NETD_MAX_NICS];
static int n_nics;
static volatile int start_state; /* 0 starting, 1 serving, -1 failed */
static struct waitq start_wq;
/* When the main thread will wake up on its own (for netd_after_op's comparison). */
static volatile uint64_t wake_at;

/* Longest sleep without a stack deadline: bounds how late an API-armed timer can be noticed
   (netd_after_op wakes us earlier when needed; this is only a safety net). */
#define NETD_IDLE_SLEEP_NS 50000000ull

int netd_nic_count(void)
{
    return n_nics;
}

const struct vnet *netd_nic(int i)
{
    return (i >= 0 && i < n_nics) ? &nics[i] : NULL;
}

static int linkout(struct ns_netif *nif, const uint8_t *frame, size_t len)
{
    return vnet_tx((struct vnet *)nif->port_arg, frame, len);
}

static void rx_frame(void *arg, const uint8_t *frame, size_t len)
{
    ns_input((struct ns_netif *)arg, frame, len);
}

static void bottom_half(uint32_t bits)
{
    for (int i = 0; i < n_nics; i++) {
        if (bits & NETD_BIT_NIC(i)) {
            /* Reading ISR de-asserts this device's share of the level-triggered line (§4.1.4.5);
               bit 0: queue interrupt, bit 1: configuration change. */
            uint8_t isr = vnet_isr(&nics[i]);
            if (isr & 1u)
                nics[i].stats.irqs++;
            if (isr & 2u)
                LOGI("netd: nic%d configuration changed", i);
        }
        /* Drained on every wake-up, not only on interrupts: cheap, and nothing waits on a
           lost edge. */
        /* Frames of this drain carry the NIC's latest interrupt-entry stamp (p2p records);
           a drain without an interrupt stamps now. */
        p2p_rx_batch(i, (bits & NETD_BIT_NIC(i)) ? binds[i].entry_tsc : rdtsc());
        vnet_rx_drain(&nics[i], rx_frame, nifs[i]);
        p2p_rx_batch(-1, 0);
        vnet_tx_reclaim(&nics[i]);
        if (bits & NETD_BIT_NIC(i))
            irq_ack(&binds[i]);
    }
}

static uint64_t sleep_for(void)
{
    uint64_t now = clock_ns();
    uint64_t dl = ns_next_deadline(&netd_stack);
    uint64_t until = now + NETD_IDLE_SLEEP_NS;
    if (dl < until)
        until = dl;
    wake_at = until;
    /* notify_wait treats 0 as "forever": a deadline already due still sleeps 1 us. */
    return until > now + 1000 ? until - now : 1000;
}

void netd_tx_batch_begin(void)
{
    if (!svc_cfg.tx_batch)
        return;
    for (int i = 0; i < n_nics; i++)
        vnet_tx_batch_begin(&nics[i]);
}

void netd_tx_flush(void)
{
    for (int i = 0; i < n_nics; i++)
        vnet_tx_flush(&nics[i]);
}

void netd_after_op(void)
{
    ns_poll(&netd_stack);
    netd_tx_flush();
    if (ns_next_deadline(&netd_stack) < wake_at)
        notify_signal(&netd_note, NETD_BIT_KICK);
}

static int bring_up(void)
{
    n_nics = vnet_probe_all(nics, NETD_MAX_NICS);
    if (n_nics == 0) {
        LOGE("netd: no legacy virtio-net NIC found (QEMU: -device "
             "virtio-net-pci,disable-modern=on)");
        return -1;
    }
    struct ns_config cfg;
    ns_config_default(&cfg);
    /* 64 KiB each way per connection keeps 64+ connections inside a 256 MiB guest. */
    cfg.sndbuf = 64 * 1024;
    cfg.rcvbuf = 64 * 1024;
    cfg.max_conns = 400;
    ns_stack_init(&netd_stack, &cfg);
    if (svc_cfg.mptcp) {
        netd_mp = ns_mp_create(&netd_stack);
        if (netd_mp == NULL)
            LOGE("netd: no memory for MPTCP state: services speak plain TCP only");
        else
            ns_mp_set_sched(netd_mp, svc_cfg.mp_sched);
    }
    for (int i = 0; i < n_nics; i++) {
        nifs[i] = ns_netif_add(&netd_stack, nics[i].mac, svc_cfg.ip[i], svc_cfg.mask[i], linkout,
                               &nics[i]);
        ASSERT(nifs[i] != NULL, "the stack has room for NETD_MAX_NICS interfaces");
        if (irq_bind(&binds[i], nics[i].irq, &netd_note, NETD_BIT_NIC(i)) != 0) {
            LOGE("netd: cannot bind irq %u for nic%d", nics[i].irq, i);
            return -1;
        }
        ns_netif_up(nifs[i]);
        char a[16];
        ns_format_ipv4(svc_cfg.ip[i], a);
        LOGI("netd: nic%d up %s mask %08x irq %u", i, a, svc_cfg.mask[i], nics[i].irq);
    }
    return 0;
}

static void netd_main(void *arg)
{
    (void)arg;
    mutex_lock(&netd_lock);
    int ok = bring_up();
    mutex_unlock(&netd_lock);
    uint32_t f = irq_save();
    start_state = ok == 0 ? 1 : -1;
    waitq_wake_all(&start_wq);
    irq_restore(f);
    if (ok != 0)
        thread_exit(1);
    for (;;) {
        mutex_lock(&netd_lock);
        uint64_t t = sleep_for();
        mutex_unlock(&netd_lock);
        uint32_t bits = notify_wait(&netd_note, t);
        mutex_lock(&netd_lock);
        netd_tx_batch_begin(); /* ACKs and data sent while draining go out with one notify */
        bottom_half(bits);
        ns_poll(&netd_stack);
        /* ADD_ADDR retransmission, reinjection, DATA_FIN lingering (RFC 8684 3.4.1, 3.3.6): the
           glue needs a call at least every 100 ms; the idle sleep is at most 50 ms. */
        if (netd_mp != NULL)
            ns_mp_poll(netd_mp);
        netd_tx_flush();
        mutex_unlock(&netd_lock);
    }
}

int netd_start(void)
{
    mutex_init(&netd_lock);
    notification_init(&netd_note);
    waitq_init(&start_wq);
    endpoint_init(&netapi_ep, "netd");
    /* Above the services: the bottom half must not wait behind request processing. */
    if (thread_create("netd", netd_main, NULL, PRIO_DEFAULT + 4) == NULL)
        return -1;
    uint32_t f = irq_save();
    while (start_state == 0)
        waitq_wait(&start_wq, 0);
    irq_restore(f);
    if (start_state < 0)
        return -1;
    if (thread_create("netd-api", netd_api_thread, NULL, PRIO_DEFAULT + 2) == NULL)
        return -1;
    return 0;
}
