/* t80_ipc.c: self-tests of synchronous IPC (send/recv/call/reply), notifications, and IRQ
 * delivery to a driver thread through a real device interrupt (COM2's THRE interrupt). */
#include "arch/io.h"
#include "arch/pic.h"
#include "core/clock.h"
#include "core/ipc.h"
#include "core/irq.h"
#include "core/ktest.h"
#include "core/thread.h"
#include "core/timer.h"
#include "dev/serial.h"

static struct endpoint ep;
static struct ipc_msg got;
static uint32_t got_sender;

static void recv_once(void *arg)
{
    (void)arg;
    struct ipc_reply_cap rc;
    ipc_recv(&ep, &got, &rc);
    got_sender = got.sender;
}

static void fill(struct ipc_msg *m, uint32_t label, uint32_t len, uint8_t seed)
{
    m->label = label;
    m->len = len;
    for (uint32_t i = 0; i < len; i++)
        m->data[i] = (uint8_t)(seed + i);
}

KTEST(ipc, send_to_waiting_receiver)
{
    endpoint_init(&ep, "test");
    memset(&got, 0, sizeof got);
    struct thread *r = thread_create("recv", recv_once, NULL, PRIO_DEFAULT);
    thread_sleep_ns(500000); /* the receiver is now blocked in ipc_recv */
    static struct ipc_msg m;
    fill(&m, 7, 100, 3);
    KEXPECT_EQ(ipc_send(&ep, &m), IPC_OK);
    thread_join(r);
    KEXPECT_EQ(got.label, 7);
    KEXPECT_EQ(got.len, 100);
    KEXPECT(memcmp(got.data, m.data, 100) == 0);
    KEXPECT_EQ(got_sender, thread_current()->tid);
}

static void send_once(void *arg)
{
    static struct ipc_msg m;
    fill(&m, 9, IPC_MSG_MAX, 11);
    *(int *)arg = ipc_send(&ep, &m);
}

KTEST(ipc, receive_from_waiting_sender)
{
    endpoint_init(&ep, "test");
    static int rc_send;
    rc_send = 99;
    struct thread *s = thread_create("send", send_once, &rc_send, PRIO_DEFAULT);
    thread_sleep_ns(500000); /* the sender is now queued on the endpoint */
    static struct ipc_msg m;
    struct ipc_reply_cap rc;
    KEXPECT_EQ(ipc_recv(&ep, &m, &rc), IPC_OK);
    KEXPECT(rc.caller == NULL); /* a plain send leaves nothing to reply to */
    thread_join(s);
    KEXPECT_EQ(rc_send, IPC_OK);
    KEXPECT_EQ(m.label, 9);
    KEXPECT_EQ(m.len, IPC_MSG_MAX);
    KEXPECT_EQ(m.data[255], (uint8_t)(11 + 255));
}

static void echo_server(void *arg)
{
    int rounds = (int)(uintptr_t)arg;
    static struct ipc_msg m;
    for (int i = 0; i < rounds; i++) {
        struct ipc_reply_cap rc;
        ipc_recv(&ep, &m, &rc);
        for (uint32_t k = 0; k < m.len; k++)
            m.data[k] = (uint8_t)(m.data[k] + 1);
        m.label = m.label * 2;
        ipc_reply(&rc, &m);
    }
}

KTEST(ipc, call_reply_256_bytes)
{
    endpoint_init(&ep, "echo");
    enum { ROUNDS = 200 };
    struct thread *srv = thread_create("echo", echo_server, (void *)ROUNDS, PRIO_DEFAULT);
    static struct ipc_msg req, resp;
    bool all_ok = true;
    for (int i = 0; i < ROUNDS; i++) {
        fill(&req, (uint32_t)i, IPC_MSG_MAX, (uint8_t)i);
        all_ok = all_ok && ipc_call(&ep, &req, &resp) == IPC_OK;
        all_ok = all_ok && resp.label == (uint32_t)i * 2 && resp.len == IPC_MSG_MAX;
        for (uint32_t k = 0; k < IPC_MSG_MAX; k++)
            all_ok = all_ok && resp.data[k] == (uint8_t)(req.data[k] + 1);
        all_ok = all_ok && resp.sender == srv->tid;
    }
    KEXPECT(all_ok);
    thread_join(srv);
}

static struct endpoint fifo_ep;

static void send_label(void *arg)
{
    static struct ipc_msg m[3];
    uint32_t i = (uint32_t)(uintptr_t)arg;
    m[i].label = i;
    m[i].len = 0;
    ipc_send(&fifo_ep, &m[i]);
}

KTEST(ipc, queued_senders_are_served_in_order)
{
    endpoint_init(&fifo_ep, "fifo");
    struct thread *s[3];
    /* Above our priority, each runs at creation until it blocks in ipc_send: queued 0, 1, 2. */
    for (uint32_t i = 0; i < 3; i++)
        s[i] = thread_create("sender", send_label, (void *)(uintptr_t)i, PRIO_DEFAULT + 1);
    for (uint32_t i = 0; i < 3; i++) {
        static struct ipc_msg got_m;
        struct ipc_reply_cap rc;
        KEXPECT_EQ(ipc_recv(&fifo_ep, &got_m, &rc), IPC_OK);
        KEXPECT_EQ(got_m.label, i);
        KEXPECT_EQ(got_m.sender, s[i]->tid);
    }
    for (int i = 0; i < 3; i++)
        thread_join(s[i]);
}

KTEST(ipc, bad_arguments_refused)
{
    endpoint_init(&ep, "test");
    static struct ipc_msg m;
    m.len = IPC_MSG_MAX + 1;
    KEXPECT_EQ(ipc_send(&ep, &m), IPC_EMSGSIZE);
    KEXPECT_EQ(ipc_call(&ep, &m, &m), IPC_EMSGSIZE);
    m.len = 1;
    KEXPECT_EQ(ipc_send(NULL, &m), IPC_EINVAL);
    KEXPECT_EQ(ipc_call(&ep, &m, NULL), IPC_EINVAL);
    struct ipc_reply_cap rc = {NULL};
    KEXPECT_EQ(ipc_reply(&rc, &m), IPC_EINVAL);
}

KTEST(ipc, notification_bits_and_timeout)
{
    static struct notification n;
    notification_init(&n);
    notify_signal(&n, 1);
    notify_signal(&n, 4);
    KEXPECT_EQ(notify_wait(&n, 0), 5);
    KEXPECT_EQ(notify_poll(&n), 0);
    uint64_t t0 = clock_ns();
    KEXPECT_EQ(notify_wait(&n, 500000), 0);
    KEXPECT(clock_ns() - t0 >= 500000u);
}

static void signal_from_timer(struct ktimer *t, void *arg)
{
    (void)t;
    notify_signal(arg, 0x80);
}

KTEST(ipc, notification_from_interrupt_context)
{
    static struct notification n;
    notification_init(&n);
    struct ktimer t;
    ktimer_init(&t, signal_from_timer, &n);
    KEXPECT_EQ(ktimer_arm_in(&t, 300000), 0);
    KEXPECT_EQ(notify_wait(&n, 1000000000u), 0x80);
}

KTEST(ipc, irq_delivered_as_notification)
{
    static struct notification n;
    static struct irq_binding b;
    notification_init(&n);
    uint32_t before = irq_count(COM2_IRQ);
    KEXPECT_EQ(irq_bind(&b, COM2_IRQ, &n, 1u << COM2_IRQ), 0);
    /* 16550: enabling the THRE interrupt while the transmitter is empty raises the line. */
    serial_reg_write(COM2_BASE, UART_IER, UART_IER_THRE);
    uint32_t bits = notify_wait(&n, 1000000000u);
    KEXPECT_EQ(bits, 1u << COM2_IRQ);
    /* The driver's part: silence the device, then acknowledge so the line is unmasked. */
    serial_reg_write(COM2_BASE, UART_IER, 0);
    (void)serial_reg_read(COM2_BASE, UART_IIR);
    irq_ack(&b);
    irq_unbind(&b);
    KEXPECT(irq_count(COM2_IRQ) > before);
    KEXPECT_EQ(irq_bind(&b, 0, &n, 1), -1); /* the PIT line belongs to the kernel */
}

KTEST(ipc, shared_irq_line_unmasks_after_all_acks)
{
    /* Two drivers on one line (as two virtio-net NICs share IRQ 10/11 on i440fx). */
    static struct notification n1, n2;
    static struct irq_binding b1, b2;
    notification_init(&n1);
    notification_init(&n2);
    KEXPECT_EQ(irq_bind(&b1, COM2_IRQ, &n1, 1), 0);
    KEXPECT_EQ(irq_bind(&b2, COM2_IRQ, &n2, 2), 0);
    serial_reg_write(COM2_BASE, UART_IER, UART_IER_THRE);
    KEXPECT_EQ(notify_wait(&n1, 1000000000u), 1);
    KEXPECT_EQ(notify_wait(&n2, 1000000000u), 2);
    KEXPECT(pic_is_masked(COM2_IRQ)); /* masked by the top half until every driver acks */
    serial_reg_write(COM2_BASE, UART_IER, 0);
    (void)serial_reg_read(COM2_BASE, UART_IIR);
    irq_ack(&b1);
    KEXPECT(pic_is_masked(COM2_IRQ)); /* b2 has not acknowledged yet */
    irq_ack(&b2);
    KEXPECT(!pic_is_masked(COM2_IRQ));
    irq_unbind(&b1);
    irq_unbind(&b2);
    KEXPECT(pic_is_masked(COM2_IRQ)); /* nobody bound: masked again */
}

KTEST(ipc, registry_by_name)
{
    static struct endpoint a, b, dup;
    endpoint_init(&a, "svc-a");
    endpoint_init(&b, "svc-b");
    endpoint_init(&dup, "svc-a");
    KEXPECT_EQ(ipc_register(&a), 0);
    KEXPECT_EQ(ipc_register(&b), 0);
    KEXPECT_EQ(ipc_register(&dup), -1); /* names are unique */
    KEXPECT(ipc_lookup("svc-a") == &a);
    KEXPECT(ipc_lookup("svc-b") == &b);
    KEXPECT(ipc_lookup("svc-c") == NULL);
    ipc_unregister(&a);
    ipc_unregister(&b);
    KEXPECT(ipc_lookup("svc-a") == NULL);
}

static struct endpoint bep;
static struct notification bn;
static struct ipc_msg bmsg[3];

static void bound_server(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        struct ipc_reply_cap rc;
        ipc_recv(&bep, &bmsg[i], &rc);
        if (rc.caller != NULL)
            ipc_reply(&rc, &bmsg[i]);
    }
}

KTEST(ipc, bound_notification_ends_recv)
{
    endpoint_init(&bep, "bound");
    notification_init(&bn);
    endpoint_bind_notification(&bep, &bn);
    struct thread *srv = thread_create("bound-srv", bound_server, NULL, PRIO_DEFAULT);
    thread_sleep_ns(300000); /* the server now waits in ipc_recv */
    notify_signal(&bn, 0x21);
    static struct ipc_msg req, resp;
    fill(&req, 5, 8, 1);
    KEXPECT_EQ(ipc_call(&bep, &req, &resp), IPC_OK); /* requests still flow */
    notify_signal(&bn, 0x4); /* pending before the server's next recv: returned at once */
    thread_join(srv);
    KEXPECT_EQ(bmsg[0].label, IPC_LABEL_NOTIFY);
    KEXPECT_EQ(bmsg[0].len, 4);
    KEXPECT_EQ(bmsg[0].data[0], 0x21);
    KEXPECT_EQ(bmsg[1].label, 5);
    KEXPECT_EQ(resp.label, 5);
    KEXPECT_EQ(bmsg[2].label, IPC_LABEL_NOTIFY);
    KEXPECT_EQ(bmsg[2].data[0], 0x4);
    endpoint_bind_notification(&bep, NULL);
    KEXPECT(bn.bound_ep == NULL);
}
