/* log.c: formats log lines and writes them to COM1 with interrupts off, so lines never interleave.
 */
#include "core/log.h"
#include "arch/io.h"
#include "core/clock.h"
#include "core/cmdline.h"
#include "dev/serial.h"
#include "lib/format.h"

int log_threshold = LOG_INFO;

static int set_loglevel(const char *v, size_t n)
{
    uint64_t x;
    if (v == NULL || kparse_u64(v, n, &x) != 0 || x > LOG_DEBUG)
        return -1;
    log_threshold = (int)x;
    return 0;
}
KPARAM(loglevel, set_loglevel, "COM1 log verbosity 0=error 1=warn 2=info 3=debug (default 2)");

void kvprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    if (n >= (int)sizeof buf)
        n = sizeof buf - 1; /* truncated lines stay visible rather than vanish */
    uint32_t f = irq_save();
    serial_write(COM1_BASE, buf, (size_t)n);
    irq_restore(f);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

void klog(enum log_level lvl, const char *fmt, ...)
{
    static const char tag[] = "EWID";
    if ((int)lvl > log_threshold)
        return;
    char buf[512];
    uint64_t ns = clock_ns();
    uint32_t sec = (uint32_t)(ns / 1000000000u);
    uint32_t usec = (uint32_t)((ns % 1000000000u) / 1000u);
    int n = ksnprintf(buf, sizeof buf, "[%5u.%06u] %c ", sec, usec, tag[lvl]);
    va_list ap;
    va_start(ap, fmt);
    /* Leave room for the newline; a truncated message keeps what fits. */
    size_t cap = sizeof buf - 1 - (size_t)n;
    int m = kvsnprintf(buf + n, cap, fmt, ap);
    va_end(ap);
    if (m >= (int)cap)
        m = (int)cap - 1;
    n += m;
    buf[n++] = '\n';
    uint32_t f = irq_save();
    serial_write(COM1_BASE, buf, (size_t)n);
    irq_restore(f);
}
