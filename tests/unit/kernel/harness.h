/* harness.h: what the host unit tests of kernel/lib need: cmocka, and a panic() that fails loudly.
 */
#ifndef NETSYNC_KTEST_HARNESS_H
#define NETSYNC_KTEST_HARNESS_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* kernel/lib code calls panic() on broken invariants; in a unit test that is a failure. */
void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "panic: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

#endif
