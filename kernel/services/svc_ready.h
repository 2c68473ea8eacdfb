/* svc_ready.h: service threads report "listening" (or failure) to services_start. */
#ifndef NETSYNC_SVC_READY_H
#define NETSYNC_SVC_READY_H
#include "lib/klib.h"
#include "core/thread.h"

#define SVC_READY_ECHO    0x1u
#define SVC_READY_RPCD    0x2u
#define SVC_READY_DISCARD 0x4u

void svc_ready(uint32_t which, bool ok);

#endif
