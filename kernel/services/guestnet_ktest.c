/* guestnet_ktest.c: guest self-tests of the virtqueue layout and wrap-around, PCI scan, address
 * parsing and netd's IPC socket API (a real API thread over a stack without NICs). */
#include "core/ktest.h"
#include "core/thread.h"
#include "drivers/pci.h"
#include "drivers/virtqueue.h"
#include "mm/pmm.h"
#include "services/netapi.h"
#include "services/netd.h"
#include "services/services.h"

KTEST(guestnet, vring_layout)
{
    /* Legacy layout (virtio 1.2 §2.7): 256 entries -> 8 KiB desc+avail, 4 KiB used. */
    KEXPECT_EQ(vq_ring_bytes(256), 12288);
    KEXPECT_EQ(vq_ring_bytes(16), 8192);
    KEXPECT_EQ(vq_ring_bytes(1024), 20480 + 12288); /* 16n+6+2n = 18438 -> 20 KiB */
}

KTEST(guestnet, vq_used_ring_wraps)
{
    struct pmm_stats before, after;
    struct virtqueue q;
    KEXPECT(vq_alloc(&q, 0, 12) != 0); /* not a power of two */
    KEXPECT(vq_alloc(&q, 0, 0) != 0);
    /* A first round lets the heap grow its arena for free_ids; the second must give back
       every page it took. */
    KEXPECT_EQ(vq_alloc(&q, 0, 8), 0);
    vq_free(&q);
    pmm_get_stats(&before);
    KEXPECT_EQ(vq_alloc(&q, 0, 8), 0);
    /* Free-running 16-bit indices just below the wrap: the slot is always index mod size. */
    q.last_used = 65533;
    *q.used_idx = 65533;
    KEXPECT(!vq_has_used(&q));
    for (uint16_t k = 0; k < 5; k++) {
        q.used_ring[(uint16_t)(65533 + k) % 8].id = (uint32_t)(7 - k);
        q.used_ring[(uint16_t)(65533 + k) % 8].len = 100u + k;
    }
    *q.used_idx = (uint16_t)(65533 + 5);
    uint16_t id;
    uint32_t len;
    for (uint16_t k = 0; k < 5; k++) {
        KEXPECT(vq_pop_used(&q, &id, &len));
        KEXPECT_EQ(id, 7 - k);
        KEXPECT_EQ(len, 100u + k);
    }
    KEXPECT(!vq_pop_used(&q, &id, &len));
    KEXPECT_EQ(q.last_used, 2);
    /* Avail side: pushes land at avail_idx mod size and publish the new index. */
    q.avail_shadow = 65535;
    vq_push(&q, 3);
    vq_push(&q, 4);
    KEXPECT_EQ(q.avail_ring[65535 % 8], 3);
    KEXPECT_EQ(q.avail_ring[0], 4);
    KEXPECT_EQ(*q.avail_idx, 1);
    KEXPECT_EQ(q.desc[5].addr, vq_buf_pa(&q, 5));
    KEXPECT_EQ(vq_buf_pa(&q, 1) - vq_buf_pa(&q, 0), VQ_BUF_SIZE);
    vq_free(&q);
    pmm_get_stats(&after);
    KEXPECT_EQ(after.free_pages, before.free_pages);
}

KTEST(guestnet, pci_scan_finds_host_bridge)
{
    KEXPECT(pci_scan() >= 1);
    const struct pci_dev *d = pci_get(0);
    KEXPECT(d != NULL);
    if (d != NULL) {
        /* QEMU's i440FX host bridge sits at 00:00.0 (8086:1237), class 06 (bridge). */
        KEXPECT_EQ(d->vendor, 0x8086);
        KEXPECT_EQ(d->device, 0x1237);
        KEXPECT_EQ(d->class_code, 0x06);
    }
    KEXPECT(pci_get(-1) == NULL);
    KEXPECT(pci_get(PCI_MAX_DEVS) == NULL);
}

static int cidr(const char *s, uint32_t *ip, uint32_t *mask)
{
    return svc_parse_cidr(s, strlen(s), ip, mask);
}

KTEST(guestnet, cidr_parsing)
{
    uint32_t ip = 0, mask = 0;
    KEXPECT_EQ(cidr("10.3.0.5/16", &ip, &mask), 0);
    KEXPECT_EQ(ip, 0x0A030005u);
    KEXPECT_EQ(mask, 0xFFFF0000u);
    KEXPECT_EQ(cidr("192.168.1.9", &ip, &mask), 0);
    KEXPECT_EQ(mask, 0xFFFFFF00u);
    KEXPECT_EQ(cidr("1.2.3.4/32", &ip, &mask), 0);
    KEXPECT_EQ(mask, 0xFFFFFFFFu);
    KEXPECT_EQ(cidr("1.2.3/24", &ip, &mask), -1);
    KEXPECT_EQ(cidr("1.2.3.4/33", &ip, &mask), -1);
    KEXPECT_EQ(cidr("1.2.3.4/0", &ip, &mask), -1);
    KEXPECT_EQ(cidr("1.2.3.4/", &ip, &mask), -1);
    KEXPECT_EQ(cidr("", &ip, &mask), -1);
    KEXPECT_EQ(cidr("1.2.3.400/8", &ip, &mask), -1);
    KEXPECT_EQ(svc_parse_cidr(NULL, 0, &ip, &mask), -1);
}

KTEST(guestnet, netapi_over_ipc)
{
    /* netd's API thread over a stack without NICs: handles, errors and stale handles. */
    mutex_init(&netd_lock);
    notification_init(&netd_note);
    ns_stack_init(&netd_stack, NULL);
    endpoint_init(&netapi_ep, "netd");
    KEXPECT(thread_create("netd-api", netd_api_thread, NULL, PRIO_DEFAULT + 2) != NULL);
    struct notification n;
    notification_init(&n);
    int l = net_listen(5555, 4, &n, 1);
    KEXPECT(l > 0);
    KEXPECT_EQ(net_listen(5555, 4, &n, 1), -98); /* NS_EADDRUSE: the port is taken */
    KEXPECT_EQ(net_listen(0, 4, &n, 1), NETAPI_EINVAL);
    KEXPECT_EQ(net_listen(5556, 4, NULL, 1), NETAPI_EINVAL);
    KEXPECT_EQ(net_accept(l), NETAPI_EAGAIN);
    struct ns_tcp_info inf;
    KEXPECT_EQ(net_info(l, &inf), 0);
    KEXPECT_EQ(inf.state, TCPS_LISTEN);
    KEXPECT_EQ(inf.local_port, 5555);
    KEXPECT_EQ(net_info(l + 1, &inf), NETAPI_EBADH);
    uint8_t b[4];
    KEXPECT_EQ(net_recv(l, b, sizeof b), NETAPI_EINVAL); /* a listener has no data */
    KEXPECT_EQ(net_recv(12345, b, sizeof b), NETAPI_EBADH);
    KEXPECT_EQ(net_send(-1, b, sizeof b), NETAPI_EBADH);
    struct netapi_event ev[4];
    KEXPECT_EQ(net_events(&n, ev, 4), 0);
    KEXPECT_EQ(net_close(l), 0);
    KEXPECT_EQ(net_close(l), NETAPI_EBADH); /* stale handle */
    int l2 = net_listen(5555, 4, &n, 1);    /* the port is free again, slot reused */
    KEXPECT(l2 > 0 && l2 != l);
    KEXPECT_EQ(net_accept(l), NETAPI_EBADH);
    KEXPECT_EQ(net_close(l2), 0);
}
