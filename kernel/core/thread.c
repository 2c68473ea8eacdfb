/* thread.c: thread lifecycle: stacks with guard pages, creation, exit, join, sleep. */
#include "core/thread.h"
#include "arch/io.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/sched.h"
#include "core/timer.h"
#include "mm/heap.h"
#include "mm/paging.h"
#include "mm/pmm.h"

static struct list_node all_threads = LIST_INIT(all_threads);
static struct list_node zombies = LIST_INIT(zombies);
static uint32_t next_tid;
static uint32_t live;
static struct thread idle_thread;
extern char boot_stack_bottom[], boot_stack_top[];

struct thread *thread_current(void)
{
    return sched_current;
}

uint32_t thread_count(void)
{
    return live;
}

uint32_t thread_stack_top(const struct thread *t)
{
    return t->stack_pa + (1 + t->stack_pages) * PAGE_SIZE;
}

static void set_name(struct thread *t, const char *name)
{
    size_t n = strlen(name);
    if (n >= sizeof t->name)
        n = sizeof t->name - 1;
    memcpy(t->name, name, n);
    t->name[n] = '\0';
}

void thread_init_idle(void)
{
    struct thread *t = &idle_thread;
    memset(t, 0, sizeof *t);
    t->tid = next_tid++;
    set_name(t, "idle");
    t->state = T_RUNNING;
    t->prio = t->base_prio = PRIO_MIN;
    rq_node_init(&t->rq);
    list_init(&t->wait_link);
    waitq_init(&t->joiners);
    t->stack_pa = (uint32_t)(uintptr_t)boot_stack_bottom - PAGE_SIZE; /* guard below it */
    t->stack_pages =
        ((uint32_t)(uintptr_t)boot_stack_top - (uint32_t)(uintptr_t)boot_stack_bottom) / PAGE_SIZE;
    ktimer_init(&t->boost_timer, NULL, NULL);
    t->last_run_ns = clock_ns();
    list_push_back(&all_threads, &t->all_link);
    sched_idle = t;
    sched_current = t;
    live = 1;
}

/* First code of every new thread: ctx_switch "returns" here with interrupts disabled. */
static void thread_start(void)
{
    struct thread *t = sched_current;
    __asm__ volatile("sti");
    t->fn(t->arg);
    thread_exit(0);
}

static void free_thread(struct thread *t)
{
    /* Map the guard page back before the pages return to the allocator. */
    if (vm_map(t->stack_pa, t->stack_pa, PTE_W) != 0)
        panic("thread: cannot remap guard page %08x", t->stack_pa);
    pmm_free_contig(t->stack_pa, 1 + t->stack_pages);
    kfree(t);
}

void thread_dump(void)
{
    static const char *const names[] = {"ready", "running", "blocked", "dead"};
    kprintf("  threads:\n");
    int n = 0;
    for (struct list_node *l = all_threads.next; l != &all_threads && n < 64; l = l->next, n++) {
        const struct thread *t = container_of(l, struct thread, all_link);
        kprintf("    %3u %-16s %-8s prio %2d/%2d cpu %llu us switches %u\n", t->tid, t->name,
                names[t->state], t->prio, t->base_prio, (unsigned long long)(t->run_ns / 1000u),
                t->switches_in);
    }
}

void thread_reap(void)
{
    uint32_t f = irq_save();
    struct list_node *n;
    while ((n = list_pop_front(&zombies)) != NULL)
        free_thread(container_of(n, struct thread, all_link));
    irq_restore(f);
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, int prio)
{
    return thread_create_sized(name, fn, arg, prio, KSTACK_PAGES);
}

struct thread *thread_create_sized(const char *name, void (*fn)(void *), void *arg, int prio,
                                   uint32_t stack_pages)
{
    ASSERT(prio >= PRIO_MIN && prio <= PRIO_MAX, "thread priority out of range");
    if (stack_pages == 0 || stack_pages > 256)
        return NULL;
    thread_reap();
    struct thread *t = kzalloc(sizeof *t);
    if (t == NULL)
        return NULL;
    t->stack_pages = stack_pages;
    t->stack_pa = pmm_alloc_contig(1 + stack_pages, 1);
    if (t->stack_pa == 0) {
        kfree(t);
        return NULL;
    }
    /* The lowest page becomes the guard: an overflow faults (then #DF, reported) instead of
       silently running into whatever lies below. */
    vm_unmap(t->stack_pa);
    set_name(t, name);
    t->fn = fn;
    t->arg = arg;
    t->prio = t->base_prio = prio;
    rq_node_init(&t->rq);
    list_init(&t->wait_link);
    waitq_init(&t->joiners);
    ktimer_init(&t->boost_timer, NULL, NULL);
    /* Initial frame for ctx_switch: edi esi ebx ebp, then the return address. */
    uint32_t *sp = (uint32_t *)(uintptr_t)thread_stack_top(t);
    *--sp = 0;                                 /* fake return address of thread_start */
    *--sp = (uint32_t)(uintptr_t)thread_start; /* ctx_switch's ret */
    *--sp = 0;                                 /* ebp: ends backtraces */
    *--sp = 0;                                 /* ebx */
    *--sp = 0;                                 /* esi */
    *--sp = 0;                                 /* edi */
    t->esp = (uint32_t)(uintptr_t)sp;
    uint32_t f = irq_save();
    t->tid = next_tid++;
    list_push_back(&all_threads, &t->all_link);
    live++;
    sched_add_new(t);
    irq_restore(f);
    return t;
}

static void do_exit(int code, bool faulted) __attribute__((noreturn));
static void do_exit(int code, bool faulted)
{
    __asm__ volatile("cli");
    struct thread *t = sched_current;
    ASSERT(t != sched_idle, "the idle thread cannot exit");
    t->exit_code = code;
    t->faulted = faulted;
    if (sched_policy()->thread_exit != NULL)
        sched_policy()->thread_exit(t);
    /* Its boost timer lives in the thread: it must not fire after the thread is freed. */
    ktimer_cancel(&t->boost_timer);
    t->boosted = false;
    list_remove(&t->all_link);
    live--;
    if (t->detached)
        list_push_back(&zombies, &t->all_link);
    t->state = T_DEAD;
    waitq_wake_all(&t->joiners);
    schedule();
    panic("thread %s ran after it died", t->name);
}

void thread_exit(int code)
{
    do_exit(code, false);
}

void thread_exit_faulted(void)
{
    do_exit(-1, true);
}

int thread_join(struct thread *t)
{
    ASSERT(t != sched_current, "a thread cannot join itself");
    uint32_t f = irq_save();
    ASSERT(!t->detached, "joining a detached thread");
    while (t->state != T_DEAD)
        waitq_wait(&t->joiners, 0);
    int code = t->exit_code;
    irq_restore(f);
    free_thread(t);
    return code;
}

void thread_detach(struct thread *t)
{
    uint32_t f = irq_save();
    if (t->state == T_DEAD) {
        irq_restore(f);
        free_thread(t);
        return;
    }
    t->detached = true;
    irq_restore(f);
}

static void sleep_done(struct ktimer *tm, void *arg)
{
    (void)tm;
    sched_wake(arg);
}

void thread_sleep_ns(uint64_t ns)
{
    struct ktimer tm;
    ktimer_init(&tm, sleep_done, sched_current);
    uint32_t f = irq_save();
    ASSERT(ktimer_arm_in(&tm, ns) == 0, "timer heap full");
    sched_block();
    irq_restore(f);
}

void thread_yield(void)
{
    uint32_t f = irq_save();
    sched_yield_current();
    irq_restore(f);
}
