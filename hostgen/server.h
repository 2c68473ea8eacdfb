/* server.h: the reference responder (hostgen --serve): a Linux MPTCP server of docs/protocol.md. */
#ifndef HOSTGEN_SERVER_H
#define HOSTGEN_SERVER_H

#include "opts.h"

/* Serves until SIGINT/SIGTERM or --duration; returns the process exit status. */
int server_run(const struct hg_opts *o);

#endif
