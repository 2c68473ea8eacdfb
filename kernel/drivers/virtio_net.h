/* virtio_net.h: legacy (virtio 0.9.5 / 1.x "legacy interface") virtio-net over the PCI I/O BAR. */
#ifndef NETSYNC_VIRTIO_NET_H
#define NETSYNC_VIRTIO_NET_H
#include "lib/klib.h"
#include "drivers/pci.h"
#include "drivers/virtqueue.h"

/* Virtio 1.2 §5.1.2 / PCI IDs: 0x1AF4 vendor; 0x1000 is the transitional network device, and
   legacy devices carry subsystem device id 1 (network card, §5.1.1). */
#define VIRTIO_PCI_VENDOR     0x1AF4u
#define VIRTIO_NET_LEGACY_DEV 0x1000u
#define VIRTIO_SUBSYS_NET     1u

#define VNET_MAX_NICS 4

/* Per-NIC counters: read by tests (stats port), logged at shutdown. */
struct vnet_stats {
    uint64_t rx_frames, rx_bytes,
        rx_drops; /* rx_drops: runts or frames the stack had no room for */
    uint64_t tx_frames, tx_bytes, tx_drops; /* tx_drops: oversize frames or a full TX ring */
    uint64_t tx_ring_full;                  /* times every TX descriptor was in flight */
    uint64_t rx_ring_full;            /* drains that found every RX buffer used (device may drop) */
    uint64_t irqs;                    /* bottom-half runs whose ISR read said "queue" */
    uint64_t kicks, kicks_suppressed; /* notify writes, and those VRING_USED_F_NO_NOTIFY saved */
};

typedef void (*vnet_rx_fn)(void *arg, const uint8_t *frame, size_t len);

struct vnet {
    int index;
    uint16_t iobase;
    uint8_t irq;
    uint8_t mac[6];
    struct virtqueue rx, tx;
    struct vnet_stats stats;
    bool defer_kick;   /* batching: vnet_tx leaves the notify to vnet_tx_flush */
    bool kick_pending; /* frames queued since the last TX notify */
};

/* Finds every legacy virtio-net device on the PCI bus (in scan order) and brings up to max of
   them up: reset, feature negotiation (MAC only), queues, RX buffers posted, DRIVER_OK.
   Returns the number ready; failures are logged and the device is marked FAILED. */
int vnet_probe_all(struct vnet *nics, int max);
/* Reads the ISR register (which also de-asserts the INTx line). Virtio 1.2 §4.1.4.5. */
uint8_t vnet_isr(struct vnet *n);
/* Hands every received frame to fn, re-posts the buffers, notifies the device if it wants to. */
int vnet_rx_drain(struct vnet *n, vnet_rx_fn fn, void *arg);
/* Queues one Ethernet frame (no FCS) for transmission; 0, or -1 when dropped (counted). */
int vnet_tx(struct vnet *n, const uint8_t *frame, size_t len);
/* TX batching: between begin and flush, queued frames share one notify (a VM exit each), except
   that a half-full ring is notified at once so the device never sits idle on a full ring. */
void vnet_tx_batch_begin(struct vnet *n);
void vnet_tx_flush(struct vnet *n);
/* Takes back the TX buffers the device finished with. */
void vnet_tx_reclaim(struct vnet *n);

#endif
