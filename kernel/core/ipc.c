/* ipc.c: endpoint rendezvous with a single copy from sender to receiver buffer, direct reply,
 * and notifications. Everything runs with interrupts disabled (uniprocessor kernel). */
#include "core/ipc.h"
#include "arch/io.h"
#include "core/sched.h"
#include "core/thread.h"

void endpoint_init(struct endpoint *ep, const char *name)
{
    waitq_init(&ep->senders);
    waitq_init(&ep->receivers);
    ep->name = name;
    ep->bound = NULL;
}

void endpoint_bind_notification(struct endpoint *ep, struct notification *n)
{
    uint32_t f = irq_save();
    if (ep->bound != NULL)
        ep->bound->bound_ep = NULL;
    ep->bound = n;
    if (n != NULL)
        n->bound_ep = ep;
    irq_restore(f);
}

static struct endpoint *registry[IPC_REGISTRY_MAX];

int ipc_register(struct endpoint *ep)
{
    if (ep == NULL || ep->name == NULL)
        return -1;
    uint32_t f = irq_save();
    int free_slot = -1;
    for (int i = 0; i < IPC_REGISTRY_MAX; i++) {
        if (registry[i] != NULL && strcmp(registry[i]->name, ep->name) == 0) {
            irq_restore(f);
            return -1;
        }
        if (registry[i] == NULL && free_slot < 0)
            free_slot = i;
    }
    if (free_slot >= 0)
        registry[free_slot] = ep;
    irq_restore(f);
    return free_slot >= 0 ? 0 : -1;
}

void ipc_unregister(struct endpoint *ep)
{
    uint32_t f = irq_save();
    for (int i = 0; i < IPC_REGISTRY_MAX; i++) {
        if (registry[i] == ep)
            registry[i] = NULL;
    }
    irq_restore(f);
}

struct endpoint *ipc_lookup(const char *name)
{
    uint32_t f = irq_save();
    struct endpoint *found = NULL;
    for (int i = 0; i < IPC_REGISTRY_MAX && found == NULL; i++) {
        if (registry[i] != NULL && strcmp(registry[i]->name, name) == 0)
            found = registry[i];
    }
    irq_restore(f);
    return found;
}

static void copy_msg(struct ipc_msg *dst, const struct ipc_msg *src, uint32_t sender)
{
    dst->label = src->label;
    dst->len = src->len;
    dst->sender = sender;
    memcpy(dst->data, src->data, src->len);
}

static struct thread *first_waiter(struct waitq *wq)
{
    return waitq_empty(wq) ? NULL : container_of(wq->head.next, struct thread, wait_link);
}

/* Common path of send and call: hand the message over, then (call) wait for the reply. */
static int deliver(struct endpoint *ep, const struct ipc_msg *m, struct ipc_msg *reply)
{
    if (ep == NULL || m == NULL)
        return IPC_EINVAL;
    if (m->len > IPC_MSG_MAX)
        return IPC_EMSGSIZE;
    struct thread *self = thread_current();
    uint32_t f = irq_save();
    self->ipc_is_call = reply != NULL;
    self->ipc_reply_buf = reply;
    self->ipc_status = 1; /* pending */
    struct thread *r = first_waiter(&ep->receivers);
    if (r != NULL) {
        /* A receiver is waiting: copy straight into its buffer and wake it. */
        copy_msg(r->ipc_recv_buf, m, self->tid);
        r->ipc_partner = reply != NULL ? self : NULL;
        r->ipc_recv_got = true;
        if (reply != NULL)
            self->ipc_status = 2; /* taken, awaiting the reply */
        else
            self->ipc_status = IPC_OK;
        waitq_wake_one(&ep->receivers);
    } else {
        /* Nobody yet: queue ourselves; the receiver copies from our buffer. */
        self->ipc_send_msg = m;
        while (self->ipc_status == 1)
            waitq_wait(&ep->senders, 0);
    }
    /* A call waits (not on any queue) until ipc_reply sets the status. */
    while (self->ipc_status == 2)
        sched_block();
    int rc = self->ipc_status;
    irq_restore(f);
    return rc;
}

int ipc_send(struct endpoint *ep, const struct ipc_msg *m)
{
    return deliver(ep, m, NULL);
}

int ipc_call(struct endpoint *ep, const struct ipc_msg *req, struct ipc_msg *resp)
{
    if (resp == NULL)
        return IPC_EINVAL;
    return deliver(ep, req, resp);
}

int ipc_recv(struct endpoint *ep, struct ipc_msg *m, struct ipc_reply_cap *rc)
{
    if (ep == NULL || m == NULL || rc == NULL)
        return IPC_EINVAL;
    struct thread *self = thread_current();
    uint32_t f = irq_save();
    for (;;) {
        /* Pending bound-notification bits come first: interrupts must not starve. */
        if (ep->bound != NULL && ep->bound->bits != 0) {
            uint32_t bits = ep->bound->bits;
            ep->bound->bits = 0;
            m->label = IPC_LABEL_NOTIFY;
            m->len = 4;
            m->sender = 0;
            for (int i = 0; i < 4; i++)
                m->data[i] = (uint8_t)(bits >> (8 * i));
            rc->caller = NULL;
            break;
        }
        struct thread *s = first_waiter(&ep->senders);
        if (s != NULL) {
            copy_msg(m, s->ipc_send_msg, s->tid);
            rc->caller = s->ipc_is_call ? s : NULL;
            s->ipc_status = s->ipc_is_call ? 2 : IPC_OK;
            /* Wake a plain sender; a caller stays blocked until the reply (re-blocks at once). */
            waitq_wake_one(&ep->senders);
            break;
        }
        self->ipc_recv_buf = m;
        self->ipc_partner = NULL;
        self->ipc_recv_got = false;
        waitq_wait(&ep->receivers, 0);
        if (self->ipc_recv_got) {
            rc->caller = self->ipc_partner;
            break;
        }
        /* Woken by the bound notification: loop and report it. */
    }
    irq_restore(f);
    return IPC_OK;
}

int ipc_reply(struct ipc_reply_cap *rc, const struct ipc_msg *m)
{
    if (rc == NULL || rc->caller == NULL || m == NULL)
        return IPC_EINVAL;
    if (m->len > IPC_MSG_MAX)
        return IPC_EMSGSIZE;
    uint32_t f = irq_save();
    struct thread *c = rc->caller;
    if (c->ipc_status != 2) {
        irq_restore(f);
        return IPC_EINVAL;
    }
    copy_msg(c->ipc_reply_buf, m, thread_current()->tid);
    c->ipc_status = IPC_OK;
    rc->caller = NULL;
    sched_wake(c);
    irq_restore(f);
    return IPC_OK;
}

void notification_init(struct notification *n)
{
    n->bits = 0;
    waitq_init(&n->waiters);
    n->bound_ep = NULL;
}

void notify_signal(struct notification *n, uint32_t bits)
{
    uint32_t f = irq_save();
    n->bits |= bits;
    /* A thread in notify_wait takes it; otherwise one blocked in ipc_recv on the bound endpoint. */
    if (!waitq_wake_one(&n->waiters) && n->bound_ep != NULL)
        waitq_wake_one(&n->bound_ep->receivers);
    irq_restore(f);
}

uint32_t notify_wait(struct notification *n, uint64_t timeout_ns)
{
    uint32_t f = irq_save();
    while (n->bits == 0) {
        if (!waitq_wait(&n->waiters, timeout_ns))
            break;
    }
    uint32_t b = n->bits;
    n->bits = 0;
    irq_restore(f);
    return b;
}

uint32_t notify_poll(struct notification *n)
{
    uint32_t f = irq_save();
    uint32_t b = n->bits;
    n->bits = 0;
    irq_restore(f);
    return b;
}
