/* heap.c: kernel heap. Each block carries a header magic and a canary right after the bytes the
 * caller asked for, so double frees and overruns are caught at free time (and by kheap_check). */
#include "mm/heap.h"
#include "arch/io.h"
#include "core/log.h"
#include "mm/pmm.h"

/* Header magics: distinct values for used and free blocks make a double free recognisable. */
#define MAGIC_USED 0xA110CA7Eu
#define MAGIC_FREE 0xF4EEB10Cu
/* Canary written after the requested bytes; a single-byte overrun changes it. */
#define CANARY 0xC0DEFACEu
/* Freed memory is poisoned so use-after-free reads look obviously wrong. */
#define POISON_FREE     0xDD
#define ALIGN           16u
#define ARENA_MIN_PAGES 16u

struct block {
    uint32_t magic;
    uint32_t size;      /* payload bytes available (multiple of ALIGN) */
    uint32_t requested; /* bytes the caller asked for */
    uint32_t pad;       /* keeps the header 16 bytes so payloads stay 16-aligned */
};

struct arena {
    struct arena *next;
    uint32_t bytes; /* whole arena including this header */
    uint32_t pad[2];
};

static struct arena *arenas;
static struct kheap_stats st;

static struct block *first_block(struct arena *a)
{
    return (struct block *)((char *)a + sizeof(struct arena));
}

static char *arena_end(struct arena *a)
{
    return (char *)a + a->bytes;
}

static struct block *next_block(struct block *b)
{
    return (struct block *)((char *)(b + 1) + b->size);
}

static bool canary_ok(const struct block *b)
{
    uint32_t c;
    memcpy(&c, (const char *)(b + 1) + b->requested, sizeof c);
    return c == CANARY;
}

static struct arena *grow(size_t need)
{
    uint32_t bytes = (uint32_t)(need + sizeof(struct arena) + sizeof(struct block));
    uint32_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
    if (pages < ARENA_MIN_PAGES)
        pages = ARENA_MIN_PAGES;
    uint32_t pa = pmm_alloc_contig(pages, 1);
    if (pa == 0)
        return NULL;
    struct arena *a = (struct arena *)(uintptr_t)pa;
    a->bytes = pages * PAGE_SIZE;
    a->next = arenas;
    arenas = a;
    struct block *b = first_block(a);
    b->magic = MAGIC_FREE;
    b->size = a->bytes - (uint32_t)sizeof(struct arena) - (uint32_t)sizeof(struct block);
    b->requested = 0;
    st.arenas++;
    st.arena_bytes += a->bytes;
    return a;
}

/* Merges b with the free blocks that follow it inside the arena. */
static void coalesce(struct arena *a, struct block *b)
{
    for (;;) {
        struct block *n = next_block(b);
        if ((char *)n >= arena_end(a) || n->magic != MAGIC_FREE)
            return;
        /* The absorbed header keeps MAGIC_FREE inside free space: a late second kfree() of
           its pointer is still recognised as a double free. */
        b->size += (uint32_t)sizeof(struct block) + n->size;
    }
}

static void *alloc_in(struct arena *a, uint32_t size, uint32_t requested)
{
    for (struct block *b = first_block(a); (char *)b < arena_end(a); b = next_block(b)) {
        if (b->magic != MAGIC_FREE)
            continue;
        coalesce(a, b);
        if (b->size < size)
            continue;
        /* Split when the rest can hold a header plus a minimal payload. */
        if (b->size >= size + sizeof(struct block) + ALIGN) {
            struct block *rest = (struct block *)((char *)(b + 1) + size);
            rest->magic = MAGIC_FREE;
            rest->size = b->size - size - (uint32_t)sizeof(struct block);
            rest->requested = 0;
            b->size = size;
        }
        b->magic = MAGIC_USED;
        b->requested = requested;
        uint32_t c = CANARY;
        memcpy((char *)(b + 1) + requested, &c, sizeof c);
        return b + 1;
    }
    return NULL;
}

void *kmalloc(size_t n)
{
    if (n == 0 || n > 64u * 1024u * 1024u)
        return NULL;
    /* Room for the canary, rounded to the alignment. */
    uint32_t size = (uint32_t)((n + sizeof(uint32_t) + ALIGN - 1) & ~(size_t)(ALIGN - 1));
    uint32_t f = irq_save();
    void *p = NULL;
    for (struct arena *a = arenas; a != NULL && p == NULL; a = a->next)
        p = alloc_in(a, size, (uint32_t)n);
    if (p == NULL) {
        struct arena *a = grow(size);
        if (a != NULL)
            p = alloc_in(a, size, (uint32_t)n);
    }
    if (p != NULL)
        st.allocs++;
    irq_restore(f);
    return p;
}

void *kzalloc(size_t n)
{
    void *p = kmalloc(n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

static struct arena *owner(const void *p)
{
    for (struct arena *a = arenas; a != NULL; a = a->next) {
        if ((const char *)p > (const char *)a && (const char *)p < arena_end(a))
            return a;
    }
    return NULL;
}

enum kheap_err kfree_checked(void *p)
{
    if (p == NULL)
        return KHEAP_OK;
    uint32_t f = irq_save();
    enum kheap_err e = KHEAP_OK;
    struct arena *a = owner(p);
    struct block *b = (struct block *)p - 1;
    if (a == NULL || ((uintptr_t)p & (ALIGN - 1)) != 0)
        e = KHEAP_BAD_PTR;
    else if (b->magic == MAGIC_FREE)
        e = KHEAP_DOUBLE_FREE;
    else if (b->magic != MAGIC_USED || b->requested > b->size)
        e = KHEAP_BAD_PTR;
    else if (!canary_ok(b))
        e = KHEAP_OVERFLOW;
    if (e == KHEAP_OK) {
        b->magic = MAGIC_FREE;
        memset(b + 1, POISON_FREE, b->size);
        st.frees++;
    }
    irq_restore(f);
    return e;
}

void kfree(void *p)
{
    enum kheap_err e = kfree_checked(p);
    if (e != KHEAP_OK)
        panic("kfree(%p): %s", p, kheap_err_str(e));
}

int kheap_check(void)
{
    int bad = 0;
    uint32_t f = irq_save();
    for (struct arena *a = arenas; a != NULL; a = a->next) {
        for (struct block *b = first_block(a); (char *)b < arena_end(a); b = next_block(b)) {
            bool ok = (b->magic == MAGIC_FREE || b->magic == MAGIC_USED) &&
                      (char *)next_block(b) <= arena_end(a);
            if (ok && b->magic == MAGIC_USED && !canary_ok(b))
                ok = false;
            if (!ok) {
                LOGE("heap: damaged block at %p (magic %08x size %u)", (void *)b, b->magic,
                     b->size);
                bad++;
                if (b->magic != MAGIC_FREE && b->magic != MAGIC_USED)
                    break; /* the size field cannot be trusted: skip the rest of the arena */
            }
        }
    }
    irq_restore(f);
    return bad;
}

void kheap_get_stats(struct kheap_stats *s)
{
    uint32_t f = irq_save();
    *s = st;
    s->used_blocks = s->used_bytes = s->free_blocks = s->free_bytes = 0;
    for (struct arena *a = arenas; a != NULL; a = a->next) {
        for (struct block *b = first_block(a); (char *)b < arena_end(a); b = next_block(b)) {
            if (b->magic == MAGIC_USED) {
                s->used_blocks++;
                s->used_bytes += b->requested;
            } else if (b->magic == MAGIC_FREE) {
                s->free_blocks++;
                s->free_bytes += b->size;
            } else {
                break;
            }
        }
    }
    irq_restore(f);
}

const char *kheap_err_str(enum kheap_err e)
{
    switch (e) {
    case KHEAP_OK:
        return "ok";
    case KHEAP_BAD_PTR:
        return "pointer not from kmalloc";
    case KHEAP_DOUBLE_FREE:
        return "double free";
    case KHEAP_OVERFLOW:
        return "buffer overflow (canary overwritten)";
    case KHEAP_CORRUPT:
        return "heap corrupted";
    }
    return "?";
}
