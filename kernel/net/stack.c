/* stack.c: stack setup, interfaces, frame entry point, timer polling, counters, address helpers. */
#include "net_priv.h"

void ns_config_default(struct ns_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->arp_ttl_ms = 60000; /* RFC 1122 section 2.3.2.1 asks for a timeout; Linux: ~60 s */
    cfg->rto_init_ms = 1000; /* RFC 6298 section 2.1 */
    cfg->rto_min_ms = 200;   /* RFC 6298 section 2.4 (1 s) relaxed as Linux does; see docs/net.md */
    cfg->rto_max_ms = 60000; /* RFC 6298 section 2.5 */
    cfg->delack_ms = 40;     /* RFC 5681 section 4.2: well under 500 ms */
    cfg->msl_ms = 30000;     /* RFC 9293 section 3.4.2 suggests 2 min; Linux's TIME-WAIT is 60 s */
    cfg->sndbuf = 128 * 1024;
    cfg->rcvbuf = 128 * 1024;
    cfg->max_conns = 256;
    cfg->syn_retries = 5;
    cfg->data_retries = 12;
}

void ns_stack_init(struct ns_stack *st, const struct ns_config *cfg)
{
    memset(st, 0, sizeof(*st));
    if (cfg)
        st->cfg = *cfg;
    else
        ns_config_default(&st->cfg);
    ASSERT(st->cfg.sndbuf > 0 && st->cfg.rcvbuf > 0, "socket buffers must not be empty");
    st->ip_id = (uint16_t)ns_port_random();
    /* RFC 6335 section 6: dynamic ports 49152-65535 for our active opens. */
    st->next_port = (uint16_t)(49152 + ns_port_random() % 16384);
}

void ns_stack_destroy(struct ns_stack *st)
{
    ns_tcp_destroy_all(st);
    ns_arp_flush(st);
}

struct ns_netif *ns_netif_add(struct ns_stack *st, const uint8_t mac[6], uint32_t ip, uint32_t mask,
                              ns_linkout_fn linkout, void *port_arg)
{
    if (st->n_nif >= NS_MAX_NETIF || !linkout)
        return NULL;
    struct ns_netif *nif = &st->nifs[st->n_nif];
    memset(nif, 0, sizeof(*nif));
    nif->st = st;
    nif->index = st->n_nif++;
    memcpy(nif->mac, mac, 6);
    nif->ip = ip;
    nif->mask = mask;
    nif->linkout = linkout;
    nif->port_arg = port_arg;
    return nif;
}

void ns_netif_up(struct ns_netif *nif)
{
    nif->up = true;
    /* RFC 5227 section 3: announce our address so neighbours refresh stale caches. */
    ns_arp_request(nif, nif->ip);
    nif->st->stats.arp_tx_gratuitous++;
}

void ns_poll(struct ns_stack *st)
{
    uint64_t now = ns_port_now_ns();
    ns_arp_poll(st, now);
    ns_tcp_poll(st, now);
    ns_tcp_dispatch(st);
}

uint64_t ns_next_deadline(const struct ns_stack *st)
{
    uint64_t a = ns_arp_deadline(st), t = ns_tcp_deadline(st);
    return a < t ? a : t;
}

void ns_stats_foreach(const struct ns_stack *st,
                      void (*fn)(const char *name, uint64_t v, void *arg), void *arg)
{
#define NS_STATS_CALL(name) fn(#name, st->stats.name, arg);
    NS_STATS_LIST(NS_STATS_CALL)
#undef NS_STATS_CALL
}

bool ns_parse_ipv4(const char *s, uint32_t *ip)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        uint32_t n = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            n = n * 10 + (uint32_t)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || n > 255)
            return false;
        v = (v << 8) | n;
        if (part < 3 && *s++ != '.')
            return false;
    }
    if (*s != '\0')
        return false;
    *ip = v;
    return true;
}

void ns_format_ipv4(uint32_t ip, char out[16])
{
    char *o = out;
    for (int i = 3; i >= 0; i--) {
        unsigned b = (ip >> (8 * i)) & 0xff;
        if (b >= 100)
            *o++ = (char)('0' + b / 100);
        if (b >= 10)
            *o++ = (char)('0' + (b / 10) % 10);
        *o++ = (char)('0' + b % 10);
        if (i)
            *o++ = '.';
    }
    *o = '\0';
}
