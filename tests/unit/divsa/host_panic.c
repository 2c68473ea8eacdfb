/* host_panic.c: klib's panic() for host builds of the record and predictor code (tests, fuzzer). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "lib/klib.h"

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
