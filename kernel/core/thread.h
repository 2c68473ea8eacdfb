/* thread.h: kernel threads: create, exit, join, sleep, and the per-thread state IPC uses. */
#ifndef NETSYNC_THREAD_H
#define NETSYNC_THREAD_H
#include "lib/klib.h"
#include "lib/list.h"
#include "lib/runq.h"
#include "core/timer.h"
#include "core/waitq.h"

enum thread_state { T_READY, T_RUNNING, T_BLOCKED, T_DEAD };

/* Priorities: 0 (lowest, idle-like) .. 31 (most urgent); RQ_LEVELS levels. */
#define PRIO_MIN     0
#define PRIO_DEFAULT 10
#define PRIO_MAX     (RQ_LEVELS - 1)
/* 16 KiB stacks plus one unmapped guard page below each. */
#define KSTACK_PAGES 4u

struct ipc_msg;

struct thread {
    uint32_t esp; /* saved stack pointer: must stay the first field (arch/switch.asm) */
    uint32_t tid;
    char name[24];
    enum thread_state state;
    int base_prio;              /* set by the creator / sched_set_prio */
    int prio;                   /* effective priority the policy uses (boosts change it) */
    struct rq_node rq;          /* run-queue link owned by the policy */
    struct list_node wait_link; /* wait-queue link */
    struct waitq *waiting_on;
    bool wait_timed_out;
    void (*fn)(void *);
    void *arg;
    uint32_t stack_pa; /* lowest page = guard page; stack_pages usable pages above it */
    uint32_t stack_pages;
    uint64_t slice_start_ns;
    uint64_t run_ns;      /* CPU time, accumulated at each switch */
    uint64_t last_run_ns; /* when it last got the CPU */
    uint32_t switches_in; /* times it was switched to */
    /* Raw TSC of the last wake-up (blocked -> ready) and of the last time it got the CPU: the
       "task wake-up" and "task run" stamps of the packet-to-process records (DESIGN.md §2). */
    uint64_t wake_tsc;
    uint64_t run_tsc;
    struct waitq joiners;
    int exit_code;
    bool detached;
    bool faulted;        /* died of a CPU exception (self-tests provoke these on purpose) */
    bool fault_expected; /* exception handler kills just this thread instead of stopping */
    struct list_node all_link;
    /* IPC state (core/ipc.c) */
    const struct ipc_msg *ipc_send_msg;
    struct ipc_msg *ipc_recv_buf;
    struct ipc_msg *ipc_reply_buf;
    bool ipc_is_call;
    bool ipc_recv_got; /* a sender delivered into ipc_recv_buf while we waited */
    int ipc_status;
    struct thread *ipc_partner;
    /* Boosts (sched_boost): prio above base_prio until boost_timer fires. */
    struct ktimer boost_timer;
    bool boosted;
    /* Free for the active scheduling policy's own per-thread state. */
    void *policy_data;
};

/* Creates a ready thread running fn(arg) at priority prio; NULL when out of memory. */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, int prio);
/* The same with a stack of stack_pages pages (1..256) instead of KSTACK_PAGES. */
struct thread *thread_create_sized(const char *name, void (*fn)(void *), void *arg, int prio,
                                   uint32_t stack_pages);
/* Ends the calling thread with a code that thread_join returns. */
void thread_exit(int code) __attribute__((noreturn));
/* Waits for t to end, frees it, returns its exit code (-1 if it died of a fault). */
int thread_join(struct thread *t);
/* A detached thread is freed when it ends; nobody may join it. */
void thread_detach(struct thread *t);
struct thread *thread_current(void);
void thread_sleep_ns(uint64_t ns);
void thread_yield(void);
/* Kills the current thread after a CPU exception it was expected to take (self-tests). */
void thread_exit_faulted(void) __attribute__((noreturn));
/* Number of live threads (not dead), for tests and the boot log. */
uint32_t thread_count(void);
/* The boot context becomes the idle thread; called once by kmain. */
void thread_init_idle(void);
/* Top of the usable stack of t (the initial ESP). */
uint32_t thread_stack_top(const struct thread *t);
/* Prints every live thread (id, name, state, priority, CPU time, switches) on COM1. */
void thread_dump(void);
/* Frees dead detached threads (called from the idle loop and thread_create). */
void thread_reap(void);

#endif
