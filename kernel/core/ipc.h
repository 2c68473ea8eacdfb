/* ipc.h: microkernel IPC: synchronous send/receive/call/reply on endpoints (messages <= 256 bytes)
 * and asynchronous notifications (bit sets; interrupts reach driver threads this way). */
#ifndef NETSYNC_IPC_H
#define NETSYNC_IPC_H
#include "lib/klib.h"
#include "core/waitq.h"

/* Largest payload of one message (issue 2: "messages up to 256 bytes"). */
#define IPC_MSG_MAX 256u

/* Error codes (negative returns). */
#define IPC_OK       0
#define IPC_EMSGSIZE (-1) /* len > IPC_MSG_MAX */
#define IPC_EINVAL   (-2) /* bad argument (NULL endpoint, reply without a caller...) */
#define IPC_ETIMEOUT (-3)

struct ipc_msg {
    uint32_t label;  /* the protocol's operation code, free for services to define */
    uint32_t len;    /* bytes used in data */
    uint32_t sender; /* filled in by the kernel: the sending thread's id */
    uint8_t data[IPC_MSG_MAX];
};

struct notification;

/* A rendezvous point: senders and receivers queue here until a partner arrives. */
struct endpoint {
    struct waitq senders;   /* blocked in send/call, message not yet taken */
    struct waitq receivers; /* blocked in recv */
    const char *name;
    struct notification *bound; /* signals on it also end an ipc_recv here */
};

/* What ipc_recv returns for replying to a call (one-shot: valid until ipc_reply). */
struct ipc_reply_cap {
    struct thread *caller; /* NULL when the message came from ipc_send */
};

void endpoint_init(struct endpoint *ep, const char *name);
/*
 * Binds n to ep (seL4's bound notification): a thread blocked in ipc_recv(ep) also wakes when
 * n is signalled, and gets an IPC_LABEL_NOTIFY message. A driver/service thread thus waits for
 * requests and interrupts in one call. One notification per endpoint; NULL unbinds.
 */
void endpoint_bind_notification(struct endpoint *ep, struct notification *n);
/* Service registry: services publish their endpoint under its name and find each other's by
   name (never by calling into each other). 0, or -1 when the name is taken or the table full. */
#define IPC_REGISTRY_MAX 32
int ipc_register(struct endpoint *ep);
void ipc_unregister(struct endpoint *ep);
struct endpoint *ipc_lookup(const char *name);
/* Blocks until a receiver has taken the message. */
int ipc_send(struct endpoint *ep, const struct ipc_msg *m);
/* Blocks until a message arrives; fills *m (sender set) and *rc for ipc_reply. */
int ipc_recv(struct endpoint *ep, struct ipc_msg *m, struct ipc_reply_cap *rc);
/* Sends req and blocks until the receiver replies into *resp (req and resp may alias). */
int ipc_call(struct endpoint *ep, const struct ipc_msg *req, struct ipc_msg *resp);
/* Answers a call received with rc; never blocks. */
int ipc_reply(struct ipc_reply_cap *rc, const struct ipc_msg *m);

/* A notification: a word of pending bits; signal never blocks and is safe in interrupts. */
struct notification {
    volatile uint32_t bits;
    struct waitq waiters;
    struct endpoint *bound_ep; /* see endpoint_bind_notification */
};

/* Label of the message ipc_recv returns for a bound notification; data holds the 4-byte
   little-endian bit set (what notify_wait would have returned), sender is 0. */
#define IPC_LABEL_NOTIFY 0xFFFFFFFFu

void notification_init(struct notification *n);
void notify_signal(struct notification *n, uint32_t bits);
/* Blocks until some bit is pending, returns and clears all pending bits. With timeout_ns != 0
   returns 0 on timeout. */
uint32_t notify_wait(struct notification *n, uint64_t timeout_ns);
/* Returns and clears the pending bits without blocking. */
uint32_t notify_poll(struct notification *n);

#endif
