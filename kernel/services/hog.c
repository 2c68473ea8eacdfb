/* hog.c: hogs=N CPU-bound threads at hog_prio= (default: the services' level, so the kernel
 * cannot tell them from rpcd); each counts fixed work units so a policy's cost is visible. */
#include "services/hog.h"
#include "core/cmdline.h"
#include "core/log.h"
#include "core/thread.h"
#include "lib/format.h"

/* One unit: 20000 xorshift32 steps (Marsaglia 2003), about 0.1 ms of TCG time; small enough
   that the count resolves short windows, large enough that counting costs nothing. */
#define HOG_UNIT_STEPS 20000u

static int n_hogs;
static int hog_prio = PRIO_DEFAULT;
static volatile uint64_t work[HOG_MAX];
static volatile uint32_t sink; /* keeps the computation observable to the compiler */

static int set_hogs(const char *v, size_t n)
{
    uint64_t x;
    if (v == NULL || kparse_u64(v, n, &x) != 0 || x > HOG_MAX)
        return -1;
    n_hogs = (int)x;
    return 0;
}
KPARAM(hogs, set_hogs, "CPU-bound load threads counting their work (0..16, default 0)");

static int set_hog_prio(const char *v, size_t n)
{
    uint64_t x;
    if (v == NULL || kparse_u64(v, n, &x) != 0 || x < PRIO_MIN + 1 || x > PRIO_MAX)
        return -1;
    hog_prio = (int)x;
    return 0;
}
KPARAM(hog_prio, set_hog_prio, "priority of the hogs (1..31, default 10 = the services' level)");

static void hog_thread(void *arg)
{
    int i = (int)(uintptr_t)arg;
    uint32_t x = 0x9E3779B9u ^ (uint32_t)i;
    for (;;) {
        for (uint32_t k = 0; k < HOG_UNIT_STEPS; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
        }
        sink = x;
        work[i]++;
    }
}

int hog_start(void)
{
    for (int i = 0; i < n_hogs; i++) {
        char name[8] = "hog00"; /* hog00..hog15 (HOG_MAX 16) */
        name[3] = (char)('0' + i / 10);
        name[4] = (char)('0' + i % 10);
        if (thread_create(name, hog_thread, (void *)(uintptr_t)i, hog_prio) == NULL) {
            LOGE("hog: cannot create hog %d", i);
            return -1;
        }
    }
    if (n_hogs > 0)
        LOGI("hog: %d hogs at priority %d", n_hogs, hog_prio);
    return 0;
}

int hog_count(void)
{
    return n_hogs;
}

uint64_t hog_work(int i)
{
    return i >= 0 && i < n_hogs ? work[i] : 0;
}
