/* services.c: starts netd, its counters port, echo, rpcd and discard; then prints NETD UP. */
#include "services/services.h"
#include "core/log.h"
#include "services/hog.h"
#include "services/netd.h"
#include "services/p2p_records.h"
#include "services/svc_ready.h"

static struct notification ready_note;
static volatile uint32_t ready_failed;

void svc_ready(uint32_t which, bool ok)
{
    if (!ok)
        __atomic_or_fetch(&ready_failed, which, __ATOMIC_SEQ_CST);
    notify_signal(&ready_note, which);
}

static void start(const char *name, void (*fn)(void *), uint32_t bit, uint32_t *want)
{
    if (thread_create(name, fn, NULL, PRIO_DEFAULT) == NULL)
        LOGE("services: cannot create thread %s", name);
    else
        *want |= bit;
}

void services_start(void)
{
    notification_init(&ready_note);
    if (netd_start() != 0) {
        LOGE("services: netd did not start; no network services");
        return;
    }
    if (netd_stats_start(svc_cfg.stats_port) != 0)
        LOGW("services: counters port %u not available", svc_cfg.stats_port);
    uint32_t want = 0, got = 0;
    if (svc_cfg.echo)
        start("echo", echo_thread, SVC_READY_ECHO, &want);
    if (svc_cfg.rpcd)
        start("rpcd", rpcd_thread, SVC_READY_RPCD, &want);
    if (svc_cfg.discard)
        start("discard", discard_thread, SVC_READY_DISCARD, &want);
    while ((got & want) != want)
        got |= notify_wait(&ready_note, 0);
    /* Records drain and CPU load start once the services listen (docs/records.md, divsa.md). */
    if (p2p_records_start() != 0)
        LOGE("services: cannot start the p2p record drain");
    if (hog_start() != 0)
        LOGE("services: cannot start the hogs");
    char a0[16], a1[16] = "-";
    ns_format_ipv4(svc_cfg.ip[0], a0);
    if (netd_nic_count() > 1)
        ns_format_ipv4(svc_cfg.ip[1], a1);
    /* The bed (scripts/lib/guestnet.sh) waits for this line on COM1. */
    kprintf("NETD UP nics=%d ip0=%s ip1=%s echo=%d rpcd=%d discard=%d rpcd_port=%u stats_port=%u "
            "failed=%x\n",
            netd_nic_count(), a0, a1, svc_cfg.echo, svc_cfg.rpcd, svc_cfg.discard,
            svc_cfg.rpcd_port, svc_cfg.stats_port, ready_failed);
}
