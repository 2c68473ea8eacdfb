/* virtqueue.c: legacy split-ring memory layout, descriptor posting and used-ring reading. */
#include "drivers/virtqueue.h"
#include "mm/heap.h"
#include "mm/paging.h"
#include "mm/pmm.h"

/* The device reads and writes the rings by DMA: the compiler must not reorder or cache across. */
#define barrier() __asm__ volatile("" ::: "memory")

static uint32_t align_up(uint32_t v, uint32_t a)
{
    return (v + a - 1) & ~(a - 1);
}

uint32_t vq_ring_bytes(uint16_t n)
{
    /* §2.7 legacy layout: descriptors (16n) and the avail ring (flags, idx, n entries,
       used_event: 6 + 2n), padded to 4096; then the used ring (flags, idx, n elements of 8,
       avail_event: 6 + 8n). */
    return align_up(16u * n + 6u + 2u * n, VRING_ALIGN) + align_up(6u + 8u * n, VRING_ALIGN);
}

int vq_alloc(struct virtqueue *q, uint16_t sel, uint16_t n)
{
    memset(q, 0, sizeof(*q));
    /* §2.7: queue size is a power of 2 (legacy devices require it for the modulo arithmetic). */
    if (n == 0 || n > VQ_MAX_SIZE || (n & (n - 1)) != 0)
        return -1;
    q->size = n;
    q->sel = sel;
    q->ring_pages = vq_ring_bytes(n) / PAGE_SIZE;
    q->ring_pa = pmm_alloc_contig(q->ring_pages, 1);
    if (q->ring_pa == 0)
        return -1;
    q->bufs_pages = (uint32_t)n * VQ_BUF_SIZE / PAGE_SIZE;
    q->bufs = NULL;
    uint32_t bpa = pmm_alloc_contig(q->bufs_pages, 1);
    q->free_ids = kmalloc(sizeof(uint16_t) * n);
    if (bpa == 0 || q->free_ids == NULL) {
        if (bpa)
            pmm_free_contig(bpa, q->bufs_pages);
        if (q->free_ids)
            kfree(q->free_ids);
        pmm_free_contig(q->ring_pa, q->ring_pages);
        return -1;
    }
    q->bufs = phys_to_virt(bpa);
    uint8_t *ring = phys_to_virt(q->ring_pa);
    memset(ring, 0, q->ring_pages * PAGE_SIZE);
    q->desc = (struct vring_desc *)ring;
    uint8_t *avail = ring + 16u * n;
    q->avail_flags = (volatile uint16_t *)avail;
    q->avail_idx = (volatile uint16_t *)(avail + 2);
    q->avail_ring = (volatile uint16_t *)(avail + 4);
    uint8_t *used = ring + align_up(16u * n + 6u + 2u * n, VRING_ALIGN);
    q->used_flags = (volatile uint16_t *)used;
    q->used_idx = (volatile uint16_t *)(used + 2);
    q->used_ring = (volatile struct vring_used_elem *)(used + 4);
    for (uint16_t i = 0; i < n; i++) {
        q->desc[i].addr = vq_buf_pa(q, i);
        q->desc[i].len = VQ_BUF_SIZE;
        q->free_ids[i] = (uint16_t)(n - 1 - i);
    }
    q->n_free = n;
    return 0;
}

void vq_free(struct virtqueue *q)
{
    if (q->ring_pa)
        pmm_free_contig(q->ring_pa, q->ring_pages);
    if (q->bufs)
        pmm_free_contig(vm_virt_to_phys(q->bufs), q->bufs_pages);
    if (q->free_ids)
        kfree(q->free_ids);
    memset(q, 0, sizeof(*q));
}

uint32_t vq_buf_pa(const struct virtqueue *q, uint16_t id)
{
    return (uint32_t)(uintptr_t)q->bufs + (uint32_t)id * VQ_BUF_SIZE;
}

uint8_t *vq_buf(const struct virtqueue *q, uint16_t id)
{
    return q->bufs + (uint32_t)id * VQ_BUF_SIZE;
}

void vq_push(struct virtqueue *q, uint16_t id)
{
    ASSERT(id < q->size, "descriptor id out of range");
    /* §2.7.13: write the ring entry, then (barrier) publish the new index. The avail index runs
       freely and wraps at 2^16; the ring slot is that index modulo the queue size. */
    q->avail_ring[q->avail_shadow % q->size] = id;
    barrier();
    q->avail_shadow++;
    *q->avail_idx = q->avail_shadow;
    barrier();
}

bool vq_has_used(const struct virtqueue *q)
{
    barrier();
    return *q->used_idx != q->last_used;
}

bool vq_pop_used(struct virtqueue *q, uint16_t *id, uint32_t *len)
{
    if (!vq_has_used(q))
        return false;
    /* §2.7.14: the used index runs freely too; the element is at last_used modulo size. */
    volatile struct vring_used_elem *e = &q->used_ring[q->last_used % q->size];
    barrier();
    *id = (uint16_t)e->id;
    *len = e->len;
    q->last_used++;
    return true;
}
