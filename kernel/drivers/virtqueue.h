/* virtqueue.h: split virtqueues in the legacy layout (one physically contiguous block). */
#ifndef NETSYNC_VIRTQUEUE_H
#define NETSYNC_VIRTQUEUE_H
#include "lib/klib.h"

/* Virtio 1.2 §2.7.5: descriptor flags. */
#define VRING_DESC_F_NEXT  1u
#define VRING_DESC_F_WRITE 2u /* buffer is device-writable (RX) */
/* §2.7.7: driver -> device "don't interrupt me"; device -> driver "don't notify me". */
#define VRING_AVAIL_F_NO_INTERRUPT 1u
#define VRING_USED_F_NO_NOTIFY     1u
/* §4.1.4.8 legacy interface: the used ring starts on the next 4096-byte boundary. */
#define VRING_ALIGN 4096u
/* Largest queue we accept: the virtio spec allows 32768, QEMU's legacy net queues have 256. */
#define VQ_MAX_SIZE 1024u
/* Every buffer is 2 KiB: the 10-byte header plus a 1514-byte frame fit (§5.1.6). */
#define VQ_BUF_SIZE 2048u

/* §2.7.5 */
struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} __attribute__((packed));

/* §2.7.8 */
struct vring_used_elem {
    uint32_t id;
    uint32_t len;
} __attribute__((packed));

struct virtqueue {
    uint16_t size;    /* entries, from the device's Queue Size register */
    uint16_t sel;     /* queue index: 0 receiveq, 1 transmitq (§5.1.2) */
    uint32_t ring_pa; /* physical address of the whole ring block (page aligned) */
    uint32_t ring_pages;
    struct vring_desc *desc;
    volatile uint16_t *avail_flags, *avail_idx, *avail_ring;
    volatile uint16_t *used_flags, *used_idx;
    volatile struct vring_used_elem *used_ring;
    uint16_t last_used; /* next used-ring index to read (free-running, taken modulo size) */
    uint16_t avail_shadow;
    uint8_t *bufs; /* size buffers of VQ_BUF_SIZE, identity mapped */
    uint32_t bufs_pages;
    uint16_t *free_ids; /* stack of unused descriptor ids (TX) */
    uint16_t n_free;
};

/* Bytes of the legacy ring block for a queue of n entries (§2.7, legacy layout). */
uint32_t vq_ring_bytes(uint16_t n);
/* Allocates the ring and n buffers in contiguous physical memory; 0 or -1 (nothing leaks). */
int vq_alloc(struct virtqueue *q, uint16_t sel, uint16_t n);
void vq_free(struct virtqueue *q);
/* Makes descriptor id available to the device (its address/len/flags already set). */
void vq_push(struct virtqueue *q, uint16_t id);
/* True when the device has used buffers we have not read yet. */
bool vq_has_used(const struct virtqueue *q);
/* Pops one used element; false when none. */
bool vq_pop_used(struct virtqueue *q, uint16_t *id, uint32_t *len);
/* Physical address / pointer of buffer id. */
uint32_t vq_buf_pa(const struct virtqueue *q, uint16_t id);
uint8_t *vq_buf(const struct virtqueue *q, uint16_t id);

#endif
