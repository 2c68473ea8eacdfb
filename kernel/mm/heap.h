/* heap.h: the kernel heap (first fit over page arenas) with double-free and overflow detection. */
#ifndef NETSYNC_HEAP_H
#define NETSYNC_HEAP_H
#include "lib/klib.h"

/* Outcomes of a checked free; kfree() panics on anything but KHEAP_OK. */
enum kheap_err { KHEAP_OK = 0, KHEAP_BAD_PTR, KHEAP_DOUBLE_FREE, KHEAP_OVERFLOW, KHEAP_CORRUPT };

struct kheap_stats {
    uint32_t arenas, arena_bytes;
    uint32_t used_blocks, used_bytes; /* bytes as requested by callers */
    uint32_t free_blocks, free_bytes;
    uint32_t allocs, frees;
};

/* Returns 16-byte aligned memory or NULL when out of memory. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
/* Like kfree but reports instead of panicking (self-tests use it to prove detection works). */
enum kheap_err kfree_checked(void *p);
/* Walks every block: returns the number of damaged ones (bad header or overwritten canary). */
int kheap_check(void);
void kheap_get_stats(struct kheap_stats *s);
const char *kheap_err_str(enum kheap_err e);

#endif
