/* support.c: the host side of klib.h for MPTCP tests and fuzzers: panic() prints and aborts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "../../../kernel/lib/klib.h"

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("panic: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
