/* svc_loop.h: the loop every guest network service thread runs: listen through netd's IPC API,
 * report readiness, then accept and serve events until the guest stops. */
#ifndef NETSYNC_SVC_LOOP_H
#define NETSYNC_SVC_LOOP_H
#include "core/ipc.h"
#include "lib/klib.h"

struct svc_loop {
    struct notification *note; /* the service's own: its handles raise events on it */
    const char *name;          /* in log lines */
    uint16_t port;
    int backlog;
    uint32_t ready;                   /* the SVC_READY_* bit this service reports */
    void (*accept_all)(int listener); /* take every connection waiting on the listener */
    void (*event)(int handle);        /* news on one connection (a stale handle: ignore it) */
    void (*woke)(void);               /* optional: first thing after every wake-up */
};

/* Never returns; the thread exits (readiness reported as failed) when it cannot listen. Only
 * s->event and s->accept_all run the service's code, on this thread. */
void svc_loop_run(const struct svc_loop *s) __attribute__((noreturn));

#endif
