/* crash.c: "crash=" command-line key: deliberately fails after READY so tests can check that an
 * unexpected fault or panic is reported and ends QEMU with its distinct exit code. */
#include "core/cmdline.h"
#include "core/log.h"
#include "core/thread.h"

enum crash_kind { CRASH_NONE, CRASH_NULL, CRASH_PANIC, CRASH_OVERFLOW };
static enum crash_kind kind;

static int set_crash(const char *v, size_t n)
{
    if (v != NULL && n == 4 && memcmp(v, "null", 4) == 0)
        kind = CRASH_NULL;
    else if (v != NULL && n == 5 && memcmp(v, "panic", 5) == 0)
        kind = CRASH_PANIC;
    else if (v != NULL && n == 8 && memcmp(v, "overflow", 8) == 0)
        kind = CRASH_OVERFLOW;
    else
        return -1;
    return 0;
}
KPARAM(crash, set_crash, "test only: null | panic | overflow, fail on purpose after READY");

/* Read through at run time so the compiler cannot see (or drop) the NULL access. */
static volatile uintptr_t null_addr = 0;

static volatile uint32_t depth_limit = 0xffffffffu;

static uint32_t crash_recurse(uint32_t depth)
{
    volatile uint8_t pad[512];
    if (depth >= depth_limit)
        return 0;
    pad[0] = (uint8_t)depth;
    return crash_recurse(depth + 1) + pad[0];
}

__attribute__((noinline)) static void crash_null(void)
{
    volatile uint32_t *p = (volatile uint32_t *)null_addr;
    LOGW("crash: reading through a NULL pointer, as crash=null asked");
    (void)*p;
}

void crash_maybe(void)
{
    switch (kind) {
    case CRASH_NONE:
        return;
    case CRASH_NULL:
        crash_null();
        break;
    case CRASH_PANIC:
        panic("crash=panic asked for this panic");
    case CRASH_OVERFLOW:
        LOGW("crash: recursing until the stack overflows, as crash=overflow asked");
        (void)crash_recurse(0);
        break;
    }
    panic("crash=%d did not crash", (int)kind);
}
