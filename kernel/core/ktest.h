/* ktest.h: the in-kernel self-test framework (KTAP-style "ok N name" lines on COM1). */
#ifndef NETSYNC_KTEST_H
#define NETSYNC_KTEST_H
#include "lib/klib.h"

struct ktest {
    const char *suite;
    const char *name;
    void (*fn)(void);
    const char *file;
    int line; /* tests run in file link order, then source order (gcc emits them reversed) */
};

/* Defines and registers a test: KTEST(pmm, alloc_free) { KEXPECT(...); }
   Tests run in order of link (file name) then definition, each in the self-test thread. */
#define KTEST(suite, name)                                                                         \
    static void ktest_fn_##suite##_##name(void);                                                   \
    static const struct ktest ktest_rec_##suite##_##name                                           \
        __attribute__((used, section(".ktests"), aligned(4))) = {                                  \
            #suite, #name, ktest_fn_##suite##_##name, __FILE__, __LINE__};                         \
    static void ktest_fn_##suite##_##name(void)

/* Non-fatal checks: a failed one prints a "# ..." diagnostic and marks the test failed. */
#define KEXPECT(cond) ktest_check((cond), #cond, __FILE__, __LINE__)
#define KEXPECT_EQ(a, b)                                                                           \
    ktest_check_eq((uint64_t)(a), (uint64_t)(b), #a " == " #b, __FILE__, __LINE__)

bool ktest_check(bool ok, const char *what, const char *file, int line);
bool ktest_check_eq(uint64_t a, uint64_t b, const char *what, const char *file, int line);
/* A diagnostic line ("# ...") attached to the current test. */
void ktest_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs every registered test (or those whose suite matches the filter), prints the summary,
   and exits QEMU with QEMU_EXIT_PASS or QEMU_EXIT_FAIL. */
void ktest_run_all(const char *filter) __attribute__((noreturn));
/* Is self-test mode on (cmdline "selftest" or "selftest=<suite>")? */
bool ktest_enabled(void);
const char *ktest_filter(void);

#endif
