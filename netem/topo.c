/* topo.c: topology file parser and checks (unique names, NICs and subnets; addresses inside their
 * subnet). */
#include "topo.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "textfile.h"
#include "units.h"

#define MAX_WORDS 32

static int ident_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* A profile reference: a name, or a path without shell-special characters (the tool
 * prints it for bash to eval). */
static int ref_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= 256)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '/'))
            return 0;
    }
    return 1;
}

static int parse_ipv4(const char *s, uint32_t *a)
{
    struct in_addr in;
    /* inet_pton accepts only dotted-quad decimal: no octal or shortened forms */
    if (inet_pton(AF_INET, s, &in) != 1)
        return -1;
    *a = ntohl(in.s_addr);
    return 0;
}

static int parse_cidr(const char *s, uint32_t *a, unsigned *prefix)
{
    char buf[32];
    const char *slash = strchr(s, '/');
    if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
        return -1;
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = '\0';
    uint64_t p;
    const char *why;
    if (parse_ipv4(buf, a) != 0 || units_uint(slash + 1, 30, &p, &why) != 0 || p < 8)
        return -1;
    *prefix = (unsigned)p;
    return 0;
}

static uint32_t mask(unsigned prefix)
{
    return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char tail;
    if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
                                  &v[5], &tail) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    /* a NIC address must be unicast (IEEE 802-2014 section 8.2: I/G bit 0) */
    return (mac[0] & 1) ? -1 : 0;
}

static int link_line(struct topo *t, char **w, int n, unsigned line, char *why, size_t wl)
{
    if (t->nlinks == TOPO_MAX_LINKS) {
        snprintf(why, wl, "more than %d links", TOPO_MAX_LINKS);
        return -1;
    }
    if (n < 2 || !ident_ok(w[1], TOPO_NAME_MAX)) {
        snprintf(why, wl, "link needs a name: a-z 0-9 first, then a-z 0-9 - _, at most %d chars",
                 TOPO_NAME_MAX);
        return -1;
    }
    struct topo_link *l = &t->link[t->nlinks];
    memset(l, 0, sizeof(*l));
    memcpy(l->name, w[1], strlen(w[1]) + 1);
    l->line = line;
    unsigned seen = 0; /* bits: host guest nic down up mac */
    for (int i = 2; i < n; i += 2) {
        if (i + 1 >= n) {
            snprintf(why, wl, "'%.20s' needs a value", w[i]);
            return -1;
        }
        const char *k = w[i], *v = w[i + 1];
        unsigned bit;
        if (!strcmp(k, "host")) {
            bit = 1;
            if (parse_cidr(v, &l->host_addr, &l->prefix) != 0) {
                snprintf(why, wl, "host '%.40s': want A.B.C.D/PREFIX (prefix 8..30)", v);
                return -1;
            }
        } else if (!strcmp(k, "guest")) {
            bit = 2;
            if (parse_ipv4(v, &l->guest_addr) != 0) {
                snprintf(why, wl, "guest '%.40s': want A.B.C.D", v);
                return -1;
            }
        } else if (!strcmp(k, "nic")) {
            bit = 4;
            uint64_t x;
            const char *e;
            if (units_uint(v, TOPO_MAX_LINKS - 1, &x, &e) != 0) {
                snprintf(why, wl, "nic '%.20s': want 0..%d", v, TOPO_MAX_LINKS - 1);
                return -1;
            }
            l->nic = (unsigned)x;
        } else if (!strcmp(k, "down") || !strcmp(k, "up") || !strcmp(k, "profile")) {
            bit = k[0] == 'd' ? 8 : k[0] == 'u' ? 16 : 24;
            if (!ref_ok(v)) {
                snprintf(why, wl, "%s '%.40s': not a profile name or plain path", k, v);
                return -1;
            }
            if (bit & 8)
                memcpy(l->down, v, strlen(v) + 1);
            if (bit & 16)
                memcpy(l->up, v, strlen(v) + 1);
        } else if (!strcmp(k, "mac")) {
            bit = 32;
            if (parse_mac(v, l->mac) != 0) {
                snprintf(why, wl, "mac '%.40s': want a unicast xx:xx:xx:xx:xx:xx", v);
                return -1;
            }
        } else {
            snprintf(why, wl,
                     "unknown link field '%.20s' (host, guest, nic, down, up, profile, mac)", k);
            return -1;
        }
        if (seen & bit) {
            snprintf(why, wl, "'%s' given twice", k);
            return -1;
        }
        seen |= bit;
    }
    if ((seen & 31) != 31) {
        snprintf(why, wl, "link %s needs host, guest, nic and down+up (or profile)", l->name);
        return -1;
    }
    uint32_t m = mask(l->prefix);
    if ((l->host_addr & m) != (l->guest_addr & m)) {
        snprintf(why, wl, "guest address is outside the host's /%u subnet", l->prefix);
        return -1;
    }
    uint32_t hostpart = l->guest_addr & ~m, hp2 = l->host_addr & ~m;
    if (l->guest_addr == l->host_addr || hostpart == 0 || hostpart == ~m || hp2 == 0 || hp2 == ~m) {
        snprintf(why, wl, "addresses must differ and not be the subnet's network or broadcast");
        return -1;
    }
    if (!(seen & 32)) {
        /* QEMU's locally administered OUI 52:54:00 (QEMU net_client default) + NIC index */
        const uint8_t def[6] = {0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + l->nic)};
        memcpy(l->mac, def, 6);
    }
    for (unsigned j = 0; j < t->nlinks; j++) {
        const struct topo_link *o = &t->link[j];
        uint32_t mm = mask(o->prefix < l->prefix ? o->prefix : l->prefix);
        if (!strcmp(o->name, l->name) || o->nic == l->nic || !memcmp(o->mac, l->mac, 6) ||
            (o->host_addr & mm) == (l->host_addr & mm)) {
            snprintf(why, wl,
                     "link %s clashes with link %s (line %u): name, nic, mac and "
                     "subnet must be unique",
                     l->name, o->name, o->line);
            return -1;
        }
    }
    t->nlinks++;
    return 0;
}

static int guest_line(struct topo *t, char **w, int n, char *why, size_t wl)
{
    if (n != 3) {
        snprintf(why, wl, "guest settings read: guest KEY VALUE");
        return -1;
    }
    uint64_t v;
    const char *e;
    if (!strcmp(w[1], "memory")) {
        /* MiB: the guest needs a few MiB of heap and virtqueues; 4 GiB is the i686 ceiling */
        if (units_uint(w[2], 4095, &v, &e) != 0 || v < 16) {
            snprintf(why, wl, "guest memory: want MiB 16..4095");
            return -1;
        }
        t->guest_memory_mib = (unsigned)v;
    } else if (!strcmp(w[1], "sched")) {
        if (strcmp(w[2], "rr") && strcmp(w[2], "prio") && strcmp(w[2], "divsa")) {
            snprintf(why, wl, "guest sched: want rr, prio or divsa");
            return -1;
        }
        memcpy(t->guest_sched, w[2], strlen(w[2]) + 1);
    } else if (!strcmp(w[1], "rpc-port")) {
        if (units_uint(w[2], 65535, &v, &e) != 0 || v == 0) {
            snprintf(why, wl, "guest rpc-port: want 1..65535");
            return -1;
        }
        t->guest_rpc_port = (unsigned)v;
    } else {
        snprintf(why, wl, "unknown guest setting '%.20s' (memory, sched, rpc-port)", w[1]);
        return -1;
    }
    return 0;
}

int topo_parse(const char *text, size_t len, const char *name, struct topo *t, char *err,
               size_t errlen)
{
    memset(t, 0, sizeof(*t));
    t->guest_memory_mib = 128;
    memcpy(t->guest_sched, "rr", 3);
    t->guest_rpc_port = 7000;
    size_t pos = 0;
    unsigned line = 0;
    char why[300];
    while (pos < len) {
        size_t start = pos;
        while (pos < len && text[pos] != '\n')
            pos++;
        size_t l = pos - start;
        pos++;
        line++;
        char buf[1024];
        if (l >= sizeof(buf) || memchr(text + start, '\0', l) != NULL) {
            snprintf(err, errlen, "%s:%u: line too long or holds a NUL byte", name, line);
            return -1;
        }
        memcpy(buf, text + start, l);
        buf[l] = '\0';
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        char *w[MAX_WORDS];
        int n = 0;
        for (char *s = strtok(buf, " \t\r"); s != NULL; s = strtok(NULL, " \t\r")) {
            if (n == MAX_WORDS) {
                snprintf(err, errlen, "%s:%u: too many words", name, line);
                return -1;
            }
            w[n++] = s;
        }
        if (n == 0)
            continue;
        int rc;
        if (!strcmp(w[0], "link"))
            rc = link_line(t, w, n, line, why, sizeof(why));
        else if (!strcmp(w[0], "guest"))
            rc = guest_line(t, w, n, why, sizeof(why));
        else if (!strcmp(w[0], "name")) {
            rc = n == 2 && ident_ok(w[1], sizeof(t->name) - 1) ? 0 : -1;
            if (rc == 0)
                memcpy(t->name, w[1], strlen(w[1]) + 1);
            else
                snprintf(why, sizeof(why), "name wants one identifier (a-z, 0-9, -, _)");
        } else {
            snprintf(why, sizeof(why), "unknown keyword '%.20s' (name, link, guest)", w[0]);
            rc = -1;
        }
        if (rc != 0) {
            snprintf(err, errlen, "%s:%u: %s", name, line, why);
            return -1;
        }
    }
    if (t->nlinks == 0) {
        snprintf(err, errlen, "%s: no link defined", name);
        return -1;
    }
    /* NICs are numbered as QEMU adds them: 0..n-1 without holes */
    for (unsigned i = 0; i < t->nlinks; i++) {
        int found = 0;
        for (unsigned j = 0; j < t->nlinks; j++)
            found |= t->link[j].nic == i;
        if (!found) {
            snprintf(err, errlen, "%s: NICs must be numbered 0..%u without holes (nic %u missing)",
                     name, t->nlinks - 1, i);
            return -1;
        }
    }
    return 0;
}

int topo_load(const char *path, struct topo *t, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    char why[300];
    if (textfile_read(path, 1u << 20, &text, &len, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    int rc = topo_parse(text, len, path, t, err, errlen);
    free(text);
    return rc;
}

int topo_profile_path(const char *ref, const char *profile_dir, char *out, size_t outlen)
{
    int n = strchr(ref, '/') ? snprintf(out, outlen, "%s", ref)
                             : snprintf(out, outlen, "%s/%s.profile", profile_dir, ref);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int topo_check_profiles(const struct topo *t, const char *topo_name, const char *profile_dir,
                        char *err, size_t errlen)
{
    for (unsigned i = 0; i < t->nlinks; i++) {
        const struct topo_link *l = &t->link[i];
        const char *refs[2] = {l->down, l->up};
        for (int d = 0; d < 2; d++) {
            char p[512], why[800];
            struct profile prof;
            if (topo_profile_path(refs[d], profile_dir, p, sizeof(p)) != 0) {
                snprintf(err, errlen, "%s:%u: profile path too long", topo_name, l->line);
                return -1;
            }
            if (prof_load(p, &prof, why, sizeof(why)) != 0) {
                snprintf(err, errlen, "%s:%u: link %s %s profile: %s", topo_name, l->line, l->name,
                         d ? "up" : "down", why);
                return -1;
            }
            prof_free(&prof);
        }
    }
    return 0;
}
