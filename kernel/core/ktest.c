/* ktest.c: runs the KTEST() table, prints one ok/not ok line per test and "N passed, N failed". */
#include "core/ktest.h"
#include "arch/qemu.h"
#include "core/clock.h"
#include "core/cmdline.h"
#include "core/log.h"
#include "mm/heap.h"

extern const struct ktest __ktests_start[], __ktests_end[];

static bool enabled;
static char filter[32];
static bool current_failed;

static int set_selftest(const char *v, size_t n)
{
    enabled = true;
    if (v != NULL) {
        if (n == 0 || n >= sizeof filter)
            return -1;
        memcpy(filter, v, n);
        filter[n] = '\0';
    }
    return 0;
}
KPARAM(selftest, set_selftest, "run the self-tests and exit QEMU; selftest=<suite> runs one suite");

bool ktest_enabled(void)
{
    return enabled;
}

const char *ktest_filter(void)
{
    return filter[0] != '\0' ? filter : NULL;
}

bool ktest_check(bool ok, const char *what, const char *file, int line)
{
    if (!ok) {
        current_failed = true;
        kprintf("# FAILED %s at %s:%d\n", what, file, line);
    }
    return ok;
}

bool ktest_check_eq(uint64_t a, uint64_t b, const char *what, const char *file, int line)
{
    if (a != b) {
        current_failed = true;
        kprintf("# FAILED %s at %s:%d: %llu != %llu (0x%llx != 0x%llx)\n", what, file, line,
                (unsigned long long)a, (unsigned long long)b, (unsigned long long)a,
                (unsigned long long)b);
    }
    return a == b;
}

void ktest_note(const char *fmt, ...)
{
    kprintf("# ");
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
}

/* The table in source order: files stay in link order, tests inside a file sort by line. */
#define KTEST_MAX 512
static const struct ktest *ordered[KTEST_MAX];

static int order_tests(void)
{
    /* The table spans two linker symbols: count through integers. */
    size_t total = ((uintptr_t)__ktests_end - (uintptr_t)__ktests_start) / sizeof(struct ktest);
    ASSERT(total <= KTEST_MAX, "more self-tests than KTEST_MAX");
    int n = 0;
    for (size_t i = 0; i < total; i++)
        ordered[n++] = &__ktests_start[i];
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && ordered[j]->file == ordered[j - 1]->file &&
                        ordered[j]->line < ordered[j - 1]->line;
             j--) {
            const struct ktest *x = ordered[j];
            ordered[j] = ordered[j - 1];
            ordered[j - 1] = x;
        }
    }
    return n;
}

void ktest_run_all(const char *flt)
{
    int count = order_tests();
    int total = 0;
    for (int i = 0; i < count; i++) {
        if (flt == NULL || strcmp(flt, ordered[i]->suite) == 0)
            total++;
    }
    kprintf("KTAP version 1\n1..%d\n", total);
    int n = 0, passed = 0, failed = 0;
    for (int i = 0; i < count; i++) {
        const struct ktest *t = ordered[i];
        if (flt != NULL && strcmp(flt, t->suite) != 0)
            continue;
        n++;
        current_failed = false;
        uint64_t t0 = clock_ns();
        t->fn();
        uint64_t us = (clock_ns() - t0) / 1000u;
        /* A test must leave the heap intact: damage found here fails the test that did it. */
        if (kheap_check() != 0)
            ktest_check(false, "heap intact after the test", __FILE__, __LINE__);
        kprintf("# %s.%s took %llu us\n", t->suite, t->name, (unsigned long long)us);
        kprintf("%s %d %s.%s\n", current_failed ? "not ok" : "ok", n, t->suite, t->name);
        if (current_failed)
            failed++;
        else
            passed++;
    }
    if (total == 0) {
        kprintf("not ok 1 no self-test matched '%s'\n", flt != NULL ? flt : "");
        failed = 1;
    }
    kprintf("%d passed, %d failed\n", passed, failed);
    qemu_exit(failed == 0 ? QEMU_EXIT_PASS : QEMU_EXIT_FAIL);
}
