/* opts.c: parsing and validation of hostgen's flags (no side effects, so it can be fuzzed). */
#include "opts.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "../kernel/lib/proto/rpc_proto.h"

const char *opts_usage(void)
{
    return "usage:\n"
           "  hostgen --server ADDR --out DIR (--rate R | --closed N) (--duration S | --requests "
           "N)\n"
           "          [--port P] [--bind ADDR] [--tcp] [--conns N] [--arrival poisson|constant]\n"
           "          [--req-size SPEC] [--resp-size SPEC] [--warmup S] [--seed N]\n"
           "          [--timeout-ms N] [--connect-timeout-ms N] [--telemetry-ms N] [--spin-us N]\n"
           "          [--busy-poll] [--no-events] [--progress|--quiet]\n"
           "  hostgen --serve [--listen ADDR] [--port P] [--tcp] [--corrupt-every N]\n"
           "          [--duration S] [--ready-file F]\n"
           "  hostgen pm limits [SUBFLOWS ADD_ADDR_ACCEPTED] | pm add ADDR [id N] [dev IF]\n"
           "          [port P] [signal|subflow|backup|fullmesh]... | pm flush | pm show\n"
           "          | pm events [SECONDS]\n"
           "  SPEC: N | fixed:N | uniform:A:B | exp:MEAN | bimodal:A:B:P   (bytes, <= 16777216)\n";
}

static bool fail(char *err, size_t errlen, const char *what, const char *val)
{
    if (val == NULL || val[0] == '\0')
        snprintf(err, errlen, "%s", what);
    else {
        char b[48];
        snprintf(err, errlen, "%s '%s'", what, shown(val, b, sizeof(b)));
    }
    return false;
}

/* Fetches the value of option argv[*i]; false when it is the last word. */
static bool value(int argc, char **argv, int *i, const char **v)
{
    if (*i + 1 >= argc)
        return false;
    *v = argv[++*i];
    return true;
}

static bool u32_opt(const char *v, uint64_t lo, uint64_t hi, uint32_t *out)
{
    uint64_t x;
    if (!parse_u64(v, hi, &x) || x < lo)
        return false;
    *out = (uint32_t)x;
    return true;
}

static bool parse_client_server(int argc, char **argv, struct hg_opts *o, char *err, size_t errlen,
                                const char **req_spec, const char **resp_spec)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        uint64_t x;
        if (strcmp(a, "--serve") == 0) {
            o->mode = MODE_SERVE;
        } else if (strcmp(a, "--tcp") == 0) {
            o->tcp = true;
        } else if (strcmp(a, "--busy-poll") == 0) {
            o->busy_poll = true;
        } else if (strcmp(a, "--no-events") == 0) {
            o->events = false;
        } else if (strcmp(a, "--progress") == 0) {
            o->progress = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            o->progress = 0;
        } else if (a[0] != '-' || a[1] != '-') {
            return fail(err, errlen, "unexpected argument", a);
        } else if (!value(argc, argv, &i, &v)) {
            return fail(err, errlen, "missing value for", a);
        } else if (strcmp(a, "--server") == 0) {
            if (inet_pton(AF_INET, v, &o->server) != 1)
                return fail(err, errlen, "--server wants an IPv4 address, got", v);
            o->have_server = true;
        } else if (strcmp(a, "--bind") == 0) {
            if (inet_pton(AF_INET, v, &o->bind) != 1)
                return fail(err, errlen, "--bind wants an IPv4 address, got", v);
            o->have_bind = true;
        } else if (strcmp(a, "--listen") == 0) {
            if (inet_pton(AF_INET, v, &o->listen) != 1)
                return fail(err, errlen, "--listen wants an IPv4 address, got", v);
        } else if (strcmp(a, "--port") == 0) {
            if (!parse_u64(v, 65535, &x) || x == 0)
                return fail(err, errlen, "--port wants 1..65535, got", v);
            o->port = (uint16_t)x;
        } else if (strcmp(a, "--conns") == 0) {
            if (!u32_opt(v, 1, HG_MAX_CONNS, &o->conns))
                return fail(err, errlen, "--conns wants 1..4096, got", v);
        } else if (strcmp(a, "--rate") == 0) {
            if (!parse_double(v, 1e-3, 1e7, &o->rate))
                return fail(err, errlen, "--rate wants 0.001..10000000 requests/s, got", v);
        } else if (strcmp(a, "--closed") == 0) {
            if (!u32_opt(v, 1, 1000000, &o->closed))
                return fail(err, errlen, "--closed wants 1..1000000 outstanding requests, got", v);
        } else if (strcmp(a, "--arrival") == 0) {
            if (!arrival_parse(v, &o->arrival))
                return fail(err, errlen, "--arrival wants poisson or constant, got", v);
        } else if (strcmp(a, "--req-size") == 0) {
            *req_spec = v;
        } else if (strcmp(a, "--resp-size") == 0) {
            *resp_spec = v;
        } else if (strcmp(a, "--duration") == 0) {
            if (!parse_double(v, 1e-3, 1e6, &o->duration_s))
                return fail(err, errlen, "--duration wants 0.001..1000000 seconds, got", v);
        } else if (strcmp(a, "--requests") == 0) {
            if (!parse_u64(v, HG_MAX_REQUESTS, &o->requests) || o->requests == 0)
                return fail(err, errlen, "--requests wants 1..100000000, got", v);
        } else if (strcmp(a, "--warmup") == 0) {
            if (!parse_double(v, 0.0, 1e6, &o->warmup_s))
                return fail(err, errlen, "--warmup wants seconds >= 0, got", v);
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_u64(v, UINT64_MAX, &o->seed))
                return fail(err, errlen, "--seed wants an unsigned integer, got", v);
        } else if (strcmp(a, "--timeout-ms") == 0) {
            if (!u32_opt(v, 1, 3600000, &o->timeout_ms))
                return fail(err, errlen, "--timeout-ms wants 1..3600000, got", v);
        } else if (strcmp(a, "--connect-timeout-ms") == 0) {
            if (!u32_opt(v, 1, 600000, &o->connect_timeout_ms))
                return fail(err, errlen, "--connect-timeout-ms wants 1..600000, got", v);
        } else if (strcmp(a, "--telemetry-ms") == 0) {
            if (!u32_opt(v, 0, 3600000, &o->telemetry_ms))
                return fail(err, errlen, "--telemetry-ms wants 0..3600000, got", v);
        } else if (strcmp(a, "--spin-us") == 0) {
            if (!u32_opt(v, 0, 10000, &o->spin_us))
                return fail(err, errlen, "--spin-us wants 0..10000, got", v);
        } else if (strcmp(a, "--out") == 0) {
            if (v[0] == '\0')
                return fail(err, errlen, "--out wants a directory, got", v);
            o->out = v;
        } else if (strcmp(a, "--corrupt-every") == 0) {
            if (!parse_u64(v, UINT64_MAX, &o->corrupt_every) || o->corrupt_every == 0)
                return fail(err, errlen, "--corrupt-every wants N >= 1, got", v);
        } else if (strcmp(a, "--ready-file") == 0) {
            o->ready_file = v;
        } else {
            return fail(err, errlen, "unknown option", a);
        }
    }
    return true;
}

/* Cross-checks of the client settings: what each flag allows alone may still be impossible. */
static bool check_client(struct hg_opts *o, char *err, size_t errlen)
{
    if (!o->have_server)
        return fail(err, errlen, "missing --server ADDR", "");
    if (o->out == NULL)
        return fail(err, errlen, "missing --out DIR", "");
    if ((o->rate > 0) == (o->closed > 0))
        return fail(err, errlen, "give exactly one of --rate R (open loop) or --closed N", "");
    if ((o->duration_s > 0) == (o->requests > 0))
        return fail(err, errlen, "give exactly one of --duration S or --requests N", "");
    if (o->duration_s > 0 && o->warmup_s >= o->duration_s)
        return fail(err, errlen, "--warmup must be shorter than --duration", "");
    if (o->rate > 0 && o->duration_s > 0 && o->rate * o->duration_s > (double)HG_MAX_REQUESTS * 0.9)
        return fail(err, errlen, "--rate x --duration exceeds the 100000000-request limit", "");
    if (o->closed > 0 && o->closed < o->conns)
        return fail(err, errlen, "--closed N needs N >= --conns (one outstanding per connection)",
                    "");
    if (o->corrupt_every || o->ready_file)
        return fail(err, errlen, "--corrupt-every and --ready-file are responder options", "");
    return true;
}

bool opts_parse(int argc, char **argv, struct hg_opts *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    o->mode = MODE_CLIENT;
    o->port = RPC_DEFAULT_PORT;
    o->conns = 4;
    o->arrival = ARRIVAL_POISSON;
    o->seed = 1;
    o->timeout_ms = 1000;
    o->connect_timeout_ms = 3000;
    o->telemetry_ms = 100;
    o->spin_us = HG_SPIN_AUTO;
    o->events = true;
    o->progress = -1;
    o->listen.s_addr = htonl(INADDR_ANY);
    if (argc >= 2 && strcmp(argv[1], "pm") == 0) {
        o->mode = MODE_PM;
        o->pm_argc = argc - 2;
        o->pm_argv = argv + 2;
        if (o->pm_argc < 1)
            return fail(err, errlen, "pm wants limits|add|flush|show|events", "");
        return true;
    }
    const char *req_spec = "64", *resp_spec = "64";
    if (!parse_client_server(argc, argv, o, err, errlen, &req_spec, &resp_spec))
        return false;
    if (!dist_parse(req_spec, RPC_MAX_LEN, &o->req_size, err, errlen))
        return false;
    if (!dist_parse(resp_spec, RPC_MAX_LEN, &o->resp_size, err, errlen))
        return false;
    if (o->mode == MODE_SERVE) {
        if (o->have_server || o->out || o->rate > 0 || o->closed > 0 || o->requests > 0)
            return fail(err, errlen,
                        "--serve takes only --listen, --port, --tcp, "
                        "--corrupt-every, --duration, --ready-file",
                        "");
        return true;
    }
    return check_client(o, err, errlen);
}
