/* linux_port.c: the stack's port layer on Linux: monotonic clock, getrandom, malloc, panic. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "../port.h"

uint64_t ns_port_now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        panic("clock_gettime(CLOCK_MONOTONIC) failed");
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t ns_port_random(void)
{
    uint32_t v;
    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        panic("getrandom failed");
    return v;
}

void *ns_port_alloc(size_t n)
{
    return calloc(1, n);
}

void ns_port_free(void *p)
{
    free(p);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("netstack panic: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
