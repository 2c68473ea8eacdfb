/* tcp_opt.c: TCP option parsing (RFC 9293 section 3.2) with room for extension options. */
#include "tcp_priv.h"

bool ns_tcp_parse_options(const uint8_t *p, size_t len, bool syn, struct ns_tcp_opts *o)
{
    memset(o, 0, sizeof(*o));
    size_t i = 0;
    while (i < len) {
        uint8_t kind = p[i];
        if (kind == TCPOPT_EOL) /* RFC 9293 3.2: end of option list */
            break;
        if (kind == TCPOPT_NOP) {
            i++;
            continue;
        }
        /* Every other option has a length byte counting kind and length (RFC 9293 3.2). */
        if (i + 2 > len)
            return false;
        uint8_t olen = p[i + 1];
        if (olen < 2 || i + olen > len)
            return false;
        const uint8_t *d = p + i + 2;
        switch (kind) {
        case TCPOPT_MSS:
            if (olen != 4)
                return false;
            /* RFC 9293 3.7.1: only meaningful on SYN segments; ignored elsewhere. */
            if (syn) {
                o->has_mss = true;
                o->mss = get16(d);
            }
            break;
        case TCPOPT_WS:
            if (olen != 3)
                return false;
            if (syn) {
                o->has_ws = true;
                /* RFC 7323 2.3: a shift above 14 is logged and treated as 14. */
                o->ws = d[0] > TCP_WS_MAX ? TCP_WS_MAX : d[0];
            }
            break;
        case TCPOPT_SACK_PERM:
            if (olen != 2)
                return false;
            if (syn)
                o->sack_ok = true;
            break;
        case TCPOPT_SACK:
            /* RFC 2018 3: 8 bytes per block, 1 to 4 blocks. */
            if (olen < 10 || (olen - 2) % 8 != 0 || (olen - 2) / 8 > NS_TCP_MAX_SACK)
                return false;
            o->n_sack = (olen - 2) / 8;
            for (int b = 0; b < o->n_sack; b++) {
                o->sack[b][0] = get32(d + 8 * b);
                o->sack[b][1] = get32(d + 8 * b + 4);
            }
            break;
        case TCPOPT_TS:
            if (olen != 10)
                return false;
            o->has_ts = true;
            o->tsval = get32(d);
            o->tsecr = get32(d + 4);
            break;
        case TCPOPT_MPTCP:
            /* RFC 8684 section 3: raw bytes for the extension hook. */
            if (o->n_ext < NS_TCP_MAX_EXT) {
                o->ext[o->n_ext].kind = kind;
                o->ext[o->n_ext].len = olen;
                o->ext[o->n_ext].data = p + i;
                o->n_ext++;
            }
            break;
        default:
            /* RFC 9293 3.2 / RFC 1122 4.2.2.5: ignore unknown options, using their length. */
            break;
        }
        i += olen;
    }
    return true;
}
