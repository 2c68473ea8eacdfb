/* check.h: invariant checks for the netem host code; they stay on in every build and say where and
 * why. */
#ifndef NETSYNC_NETEM_CHECK_H
#define NETSYNC_NETEM_CHECK_H

#include <stdio.h>
#include <stdlib.h>

/* For broken invariants only, never for bad input (that gets an error message). */
#define CHECK(cond, msg)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "netem: invariant failed at %s:%d: %s (%s)\n", __FILE__, __LINE__,     \
                    #cond, msg);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
