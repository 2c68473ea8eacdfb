/* t40_heap.c: self-tests of the kernel heap, including its double-free and overflow detection. */
#include "core/ktest.h"
#include "mm/heap.h"

KTEST(heap, alloc_pattern_free)
{
    struct kheap_stats a, b;
    kheap_get_stats(&a);
    uint8_t *p[40];
    for (int i = 0; i < 40; i++) {
        size_t n = 1 + (size_t)i * 37;
        p[i] = kmalloc(n);
        KEXPECT(p[i] != NULL);
        KEXPECT_EQ((uintptr_t)p[i] & 15, 0);
        memset(p[i], i, n);
    }
    for (int i = 0; i < 40; i++) {
        size_t n = 1 + (size_t)i * 37;
        bool same = true;
        for (size_t j = 0; j < n; j++)
            same = same && p[i][j] == (uint8_t)i;
        KEXPECT(same);
    }
    for (int i = 0; i < 40; i += 2)
        kfree(p[i]);
    for (int i = 1; i < 40; i += 2)
        kfree(p[i]);
    kheap_get_stats(&b);
    KEXPECT_EQ(b.used_blocks, a.used_blocks);
    KEXPECT_EQ(b.used_bytes, a.used_bytes);
    KEXPECT_EQ(kheap_check(), 0);
}

KTEST(heap, double_free_detected)
{
    void *p = kmalloc(32);
    KEXPECT(p != NULL);
    KEXPECT_EQ(kfree_checked(p), KHEAP_OK);
    KEXPECT_EQ(kfree_checked(p), KHEAP_DOUBLE_FREE);
}

KTEST(heap, overflow_detected)
{
    uint8_t *p = kmalloc(24);
    KEXPECT(p != NULL);
    uint8_t saved = p[24];
    p[24] ^= 0xff; /* one byte past the end */
    KEXPECT_EQ(kfree_checked(p), KHEAP_OVERFLOW);
    KEXPECT(kheap_check() > 0);
    p[24] = saved; /* repair, so the heap is whole again */
    KEXPECT_EQ(kheap_check(), 0);
    KEXPECT_EQ(kfree_checked(p), KHEAP_OK);
}

KTEST(heap, foreign_pointer_refused)
{
    int local;
    KEXPECT_EQ(kfree_checked(&local), KHEAP_BAD_PTR);
    uint8_t *p = kmalloc(64);
    KEXPECT_EQ(kfree_checked(p + 16), KHEAP_BAD_PTR);
    kfree(p);
}

KTEST(heap, large_and_reuse)
{
    void *big = kmalloc(300 * 1024);
    KEXPECT(big != NULL);
    memset(big, 0xab, 300 * 1024);
    kfree(big);
    void *again = kmalloc(300 * 1024);
    KEXPECT(again == big); /* first fit finds the same (now free) arena space */
    kfree(again);
    KEXPECT(kmalloc(0) == NULL);
}
