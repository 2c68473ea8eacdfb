/* virtio_net.c: legacy virtio-net driver: probe, feature negotiation, RX/TX rings, counters. */
#include "drivers/virtio_net.h"
#include "arch/io.h"
#include "core/log.h"

/* Virtio 1.2 §4.1.4.8, legacy interface: I/O BAR register offsets (no MSI-X enabled). */
#define VIO_HOST_FEATURES   0x00 /* 32-bit, device features bits 0-31 */
#define VIO_GUEST_FEATURES  0x04 /* 32-bit, driver features bits 0-31 */
#define VIO_QUEUE_PFN       0x08 /* 32-bit, ring physical address >> 12 */
#define VIO_QUEUE_SIZE      0x0C /* 16-bit, read-only in legacy */
#define VIO_QUEUE_SEL       0x0E /* 16-bit */
#define VIO_QUEUE_NOTIFY    0x10 /* 16-bit, write the queue index */
#define VIO_STATUS          0x12 /* 8-bit */
#define VIO_ISR             0x13 /* 8-bit, reading clears it and de-asserts INTx */
#define VIO_NET_MAC         0x14 /* §5.1.4: device config starts here without MSI-X */
#define VIO_QUEUE_PFN_SHIFT 12

/* §2.1 device status bits. */
#define VIO_S_ACKNOWLEDGE 1u
#define VIO_S_DRIVER      2u
#define VIO_S_DRIVER_OK   4u
#define VIO_S_FAILED      128u

/* §5.1.3: VIRTIO_NET_F_MAC, the only feature we take (we handle nothing else: no checksum
   offload, no merged buffers, no GSO, no control queue). */
#define VIRTIO_NET_F_MAC (1u << 5)

/* §5.1.6: struct virtio_net_hdr is 10 bytes without VIRTIO_NET_F_MRG_RXBUF and without
   VIRTIO_F_VERSION_1 (then 12): flags, gso_type, hdr_len, gso_size, csum_start, csum_offset. */
#define VNET_HDR_LEN 10u
/* §5.1.6.2: gso_type NONE, flags 0: a plain frame with a full checksum. */
#define VIRTIO_NET_HDR_GSO_NONE 0u

/* §5.1.2: virtqueue indices. */
#define VQ_RX 0
#define VQ_TX 1

/* Ethernet II header 14 bytes + 1500 MTU (RFC 894): the largest frame we send or accept. */
#define VNET_FRAME_MAX 1514u
#define VNET_FRAME_MIN 14u

#define barrier() __asm__ volatile("" ::: "memory")

static void status_set(struct vnet *n, uint8_t bits)
{
    outb((uint16_t)(n->iobase + VIO_STATUS),
         (uint8_t)(inb((uint16_t)(n->iobase + VIO_STATUS)) | bits));
}

static void kick(struct vnet *n, struct virtqueue *q)
{
    barrier();
    /* §2.7.10: the device may ask not to be notified (it is already processing the ring). */
    if (*q->used_flags & VRING_USED_F_NO_NOTIFY) {
        n->stats.kicks_suppressed++;
        return;
    }
    n->stats.kicks++;
    outw((uint16_t)(n->iobase + VIO_QUEUE_NOTIFY), q->sel);
}

static int queue_setup(struct vnet *n, struct virtqueue *q, uint16_t sel)
{
    outw((uint16_t)(n->iobase + VIO_QUEUE_SEL), sel);
    uint16_t size = inw((uint16_t)(n->iobase + VIO_QUEUE_SIZE));
    if (size == 0) {
        LOGE("virtio-net%d: queue %u does not exist", n->index, sel);
        return -1;
    }
    if (vq_alloc(q, sel, size) != 0) {
        LOGE("virtio-net%d: no contiguous memory for queue %u of %u entries", n->index, sel, size);
        return -1;
    }
    outl((uint16_t)(n->iobase + VIO_QUEUE_PFN), q->ring_pa >> VIO_QUEUE_PFN_SHIFT);
    LOGI("virtio-net%d: queue %u: %u entries, ring at %08x (%u pages)", n->index, sel, size,
         q->ring_pa, q->ring_pages);
    return 0;
}

static int bring_up(struct vnet *n, const struct pci_dev *d)
{
    n->iobase = (uint16_t)(d->bar[0] & PCI_BAR_IO_MASK);
    n->irq = d->irq_line;
    pci_enable(d, PCI_CMD_IO | PCI_CMD_MASTER);
    /* §3.1.1 driver initialization: reset, ACKNOWLEDGE, DRIVER, features, queues, DRIVER_OK. */
    outb((uint16_t)(n->iobase + VIO_STATUS), 0);
    status_set(n, VIO_S_ACKNOWLEDGE);
    status_set(n, VIO_S_DRIVER);
    uint32_t host = inl((uint16_t)(n->iobase + VIO_HOST_FEATURES));
    if (!(host & VIRTIO_NET_F_MAC)) {
        LOGE("virtio-net%d: device offers no MAC address (features %08x)", n->index, host);
        return -1;
    }
    outl((uint16_t)(n->iobase + VIO_GUEST_FEATURES), VIRTIO_NET_F_MAC);
    for (int i = 0; i < 6; i++)
        n->mac[i] = inb((uint16_t)(n->iobase + VIO_NET_MAC + i));
    if (queue_setup(n, &n->rx, VQ_RX) != 0)
        return -1;
    if (queue_setup(n, &n->tx, VQ_TX) != 0) {
        vq_free(&n->rx);
        return -1;
    }
    /* Every RX buffer goes to the device at once, device-writable, one descriptor each. */
    for (uint16_t i = 0; i < n->rx.size; i++) {
        n->rx.desc[i].len = VQ_BUF_SIZE;
        n->rx.desc[i].flags = VRING_DESC_F_WRITE;
        vq_push(&n->rx, i);
    }
    n->rx.n_free = 0;
    /* TX completions need no interrupt: buffers are reclaimed on the next send (§2.7.7). */
    *n->tx.avail_flags = VRING_AVAIL_F_NO_INTERRUPT;
    status_set(n, VIO_S_DRIVER_OK);
    kick(n, &n->rx);
    LOGI("virtio-net%d: %02x:%02x:%02x:%02x:%02x:%02x io %04x irq %u features host %08x guest %08x",
         n->index, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], n->iobase,
         n->irq, host, VIRTIO_NET_F_MAC);
    return 0;
}

int vnet_probe_all(struct vnet *nics, int max)
{
    int count = 0, total = pci_scan();
    for (int i = 0; i < total && count < max; i++) {
        const struct pci_dev *d = pci_get(i);
        if (d->vendor != VIRTIO_PCI_VENDOR || d->device != VIRTIO_NET_LEGACY_DEV)
            continue;
        if (!(d->bar[0] & PCI_BAR_IO)) {
            LOGE("pci %02x:%02x.%x: virtio-net BAR0 %08x is not an I/O BAR", d->bus, d->dev, d->fn,
                 d->bar[0]);
            continue;
        }
        struct vnet *n = &nics[count];
        memset(n, 0, sizeof(*n));
        n->index = count;
        if (bring_up(n, d) != 0) {
            status_set(n, VIO_S_FAILED);
            continue;
        }
        count++;
    }
    return count;
}

uint8_t vnet_isr(struct vnet *n)
{
    return inb((uint16_t)(n->iobase + VIO_ISR));
}

int vnet_rx_drain(struct vnet *n, vnet_rx_fn fn, void *arg)
{
    int got = 0;
    uint16_t id;
    uint32_t len;
    /* Suppress RX interrupts while draining; re-enable, then look once more (§2.7.7's race). */
    *n->rx.avail_flags = VRING_AVAIL_F_NO_INTERRUPT;
    for (;;) {
        while (vq_pop_used(&n->rx, &id, &len)) {
            if (id >= n->rx.size) {
                LOGE("virtio-net%d: device returned RX descriptor %u of %u", n->index, id,
                     n->rx.size);
                continue; /* lost buffer: a device bug, nothing to re-post */
            }
            if (len < VNET_HDR_LEN + VNET_FRAME_MIN || len > VQ_BUF_SIZE) {
                n->stats.rx_drops++;
            } else {
                n->stats.rx_frames++;
                n->stats.rx_bytes += len - VNET_HDR_LEN;
                fn(arg, vq_buf(&n->rx, id) + VNET_HDR_LEN, len - VNET_HDR_LEN);
            }
            n->rx.desc[id].len = VQ_BUF_SIZE;
            n->rx.desc[id].flags = VRING_DESC_F_WRITE;
            vq_push(&n->rx, id);
            got++;
        }
        *n->rx.avail_flags = 0;
        barrier();
        if (!vq_has_used(&n->rx))
            break;
        *n->rx.avail_flags = VRING_AVAIL_F_NO_INTERRUPT;
    }
    if (got >= n->rx.size)
        n->stats.rx_ring_full++;
    if (got > 0)
        kick(n, &n->rx);
    return got;
}

void vnet_tx_reclaim(struct vnet *n)
{
    uint16_t id;
    uint32_t len;
    while (vq_pop_used(&n->tx, &id, &len)) {
        ASSERT(id < n->tx.size && n->tx.n_free < n->tx.size, "TX used ring returned a bad id");
        n->tx.free_ids[n->tx.n_free++] = id;
    }
}

int vnet_tx(struct vnet *n, const uint8_t *frame, size_t len)
{
    if (len < VNET_FRAME_MIN || len > VNET_FRAME_MAX) {
        n->stats.tx_drops++;
        return -1;
    }
    if (n->tx.n_free == 0)
        vnet_tx_reclaim(n);
    if (n->tx.n_free == 0) {
        n->stats.tx_ring_full++;
        n->stats.tx_drops++;
        return -1;
    }
    uint16_t id = n->tx.free_ids[--n->tx.n_free];
    uint8_t *b = vq_buf(&n->tx, id);
    memset(b, 0, VNET_HDR_LEN); /* flags 0, gso_type VIRTIO_NET_HDR_GSO_NONE */
    b[1] = VIRTIO_NET_HDR_GSO_NONE;
    memcpy(b + VNET_HDR_LEN, frame, len);
    n->tx.desc[id].len = (uint32_t)(VNET_HDR_LEN + len);
    n->tx.desc[id].flags = 0;
    vq_push(&n->tx, id);
    n->stats.tx_frames++;
    n->stats.tx_bytes += len;
    n->kick_pending = true;
    if (!n->defer_kick || n->tx.size - n->tx.n_free >= n->tx.size / 2) {
        kick(n, &n->tx);
        n->kick_pending = false;
    }
    return 0;
}

void vnet_tx_batch_begin(struct vnet *n)
{
    n->defer_kick = true;
}

void vnet_tx_flush(struct vnet *n)
{
    n->defer_kick = false;
    if (n->kick_pending) {
        kick(n, &n->tx);
        n->kick_pending = false;
    }
}
