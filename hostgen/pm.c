/* pm.c: mptcp_pm generic netlink requests and event decoding with libmnl. */
#include "pm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/mptcp.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist.h"

/* Receive buffer: a netlink dump of endpoints fits in one page-sized batch per read. */
#define PM_BUF 8192

static struct nlmsghdr *put_genl(char *buf, uint16_t type, uint16_t flags, uint8_t cmd,
                                 uint8_t version, uint32_t seq)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    nlh->nlmsg_seq = seq;
    struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->cmd = cmd;
    g->version = version;
    return nlh;
}

/* Sends nlh and runs cb over every answer until the ack/done. Returns 0 or -errno. */
static int transact(struct pm *pm, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    char buf[PM_BUF];
    if (mnl_socket_sendto(pm->nl, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    uint32_t seq = nlh->nlmsg_seq;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(pm->nl, buf, sizeof(buf));
        if (n < 0)
            return -errno;
        int rc = mnl_cb_run(buf, (size_t)n, seq, pm->portid, cb, data);
        if (rc == MNL_CB_ERROR)
            return errno ? -errno : -EPROTO;
        if (rc == MNL_CB_STOP)
            return 0;
    }
}

struct family_info {
    uint16_t id;
    uint32_t group;
};

struct group_ctx {
    const char *name;
    uint32_t id;
};

static int group_attr_cb(const struct nlattr *a, void *data)
{
    struct group_ctx *g = data;
    if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
        mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
        g->name = mnl_attr_get_str(a);
    else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
             mnl_attr_validate(a, MNL_TYPE_U32) == 0)
        g->id = mnl_attr_get_u32(a);
    return MNL_CB_OK;
}

/* One entry of CTRL_ATTR_MCAST_GROUPS: keep the id of "mptcp_pm_events". */
static int groups_cb(const struct nlattr *grp, void *data)
{
    struct family_info *fi = data;
    struct group_ctx g = {NULL, 0};
    if (mnl_attr_parse_nested(grp, group_attr_cb, &g) < 0)
        return MNL_CB_ERROR;
    if (g.name && strcmp(g.name, MPTCP_PM_EV_GRP_NAME) == 0)
        fi->group = g.id;
    return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *a, void *data)
{
    struct family_info *fi = data;
    if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) == 0)
        fi->id = mnl_attr_get_u16(a);
    if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
        return mnl_attr_parse_nested(a, groups_cb, fi) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
    return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
    return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
}

int pm_open(struct pm *pm)
{
    memset(pm, 0, sizeof(*pm));
    pm->nl = mnl_socket_open(NETLINK_GENERIC);
    if (pm->nl == NULL)
        return -errno;
    if (mnl_socket_bind(pm->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = errno;
        pm_close(pm);
        return -e;
    }
    pm->portid = mnl_socket_get_portid(pm->nl);
    pm->seq = (uint32_t)time(NULL);
    char buf[PM_BUF];
    /* Generic netlink controller (linux/genetlink.h): CTRL_CMD_GETFAMILY by name, version 1. */
    struct nlmsghdr *nlh = put_genl(buf, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1, ++pm->seq);
    mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MPTCP_PM_NAME);
    struct family_info fi = {0, 0};
    int rc = transact(pm, nlh, family_cb, &fi);
    if (rc == 0 && fi.id == 0)
        rc = -ENOENT;
    if (rc != 0) {
        pm_close(pm);
        return rc;
    }
    pm->family = fi.id;
    pm->ev_group = fi.group;
    return 0;
}

void pm_close(struct pm *pm)
{
    if (pm->nl)
        mnl_socket_close(pm->nl);
    pm->nl = NULL;
}

int pm_fd(const struct pm *pm)
{
    return mnl_socket_get_fd(pm->nl);
}

int pm_set_limits(struct pm *pm, uint32_t subflows, uint32_t add_addr_accepted)
{
    char buf[PM_BUF];
    struct nlmsghdr *nlh =
        put_genl(buf, pm->family, NLM_F_ACK, MPTCP_PM_CMD_SET_LIMITS, MPTCP_PM_VER, ++pm->seq);
    mnl_attr_put_u32(nlh, MPTCP_PM_ATTR_RCV_ADD_ADDRS, add_addr_accepted);
    mnl_attr_put_u32(nlh, MPTCP_PM_ATTR_SUBFLOWS, subflows);
    return transact(pm, nlh, NULL, NULL);
}

struct limits {
    uint32_t subflows, accepted;
};

static int limits_attr_cb(const struct nlattr *a, void *data)
{
    struct limits *l = data;
    if (mnl_attr_validate(a, MNL_TYPE_U32) != 0)
        return MNL_CB_OK;
    if (mnl_attr_get_type(a) == MPTCP_PM_ATTR_SUBFLOWS)
        l->subflows = mnl_attr_get_u32(a);
    else if (mnl_attr_get_type(a) == MPTCP_PM_ATTR_RCV_ADD_ADDRS)
        l->accepted = mnl_attr_get_u32(a);
    return MNL_CB_OK;
}

static int limits_cb(const struct nlmsghdr *nlh, void *data)
{
    return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), limits_attr_cb, data);
}

int pm_get_limits(struct pm *pm, uint32_t *subflows, uint32_t *add_addr_accepted)
{
    char buf[PM_BUF];
    struct nlmsghdr *nlh =
        put_genl(buf, pm->family, NLM_F_ACK, MPTCP_PM_CMD_GET_LIMITS, MPTCP_PM_VER, ++pm->seq);
    struct limits l = {0, 0};
    int rc = transact(pm, nlh, limits_cb, &l);
    *subflows = l.subflows;
    *add_addr_accepted = l.accepted;
    return rc;
}

int pm_add_endpoint(struct pm *pm, const struct pm_endpoint *ep)
{
    char buf[PM_BUF];
    struct nlmsghdr *nlh =
        put_genl(buf, pm->family, NLM_F_ACK, MPTCP_PM_CMD_ADD_ADDR, MPTCP_PM_VER, ++pm->seq);
    /* uapi mptcp.h: MPTCP_PM_ATTR_ADDR nests the MPTCP_PM_ADDR_ATTR_* fields. */
    struct nlattr *nest = mnl_attr_nest_start(nlh, MPTCP_PM_ATTR_ADDR | NLA_F_NESTED);
    mnl_attr_put_u16(nlh, MPTCP_PM_ADDR_ATTR_FAMILY, AF_INET);
    mnl_attr_put(nlh, MPTCP_PM_ADDR_ATTR_ADDR4, sizeof(ep->addr), &ep->addr); /* network order */
    if (ep->id)
        mnl_attr_put_u8(nlh, MPTCP_PM_ADDR_ATTR_ID, ep->id);
    mnl_attr_put_u32(nlh, MPTCP_PM_ADDR_ATTR_FLAGS, ep->flags);
    if (ep->ifindex)
        mnl_attr_put_u32(nlh, MPTCP_PM_ADDR_ATTR_IF_IDX, (uint32_t)ep->ifindex);
    if (ep->port)
        mnl_attr_put_u16(nlh, MPTCP_PM_ADDR_ATTR_PORT, ep->port); /* host order (pm_netlink.c) */
    mnl_attr_nest_end(nlh, nest);
    return transact(pm, nlh, NULL, NULL);
}

int pm_flush(struct pm *pm)
{
    char buf[PM_BUF];
    struct nlmsghdr *nlh =
        put_genl(buf, pm->family, NLM_F_ACK, MPTCP_PM_CMD_FLUSH_ADDRS, MPTCP_PM_VER, ++pm->seq);
    /* pm_netlink.c requires an (empty) address nest on flush. */
    struct nlattr *nest = mnl_attr_nest_start(nlh, MPTCP_PM_ATTR_ADDR | NLA_F_NESTED);
    mnl_attr_nest_end(nlh, nest);
    return transact(pm, nlh, NULL, NULL);
}

static void flags_str(uint32_t f, char *buf, size_t len)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{MPTCP_PM_ADDR_FLAG_SIGNAL, "signal"},
                 {MPTCP_PM_ADDR_FLAG_SUBFLOW, "subflow"},
                 {MPTCP_PM_ADDR_FLAG_BACKUP, "backup"},
                 {MPTCP_PM_ADDR_FLAG_FULLMESH, "fullmesh"},
                 {MPTCP_PM_ADDR_FLAG_IMPLICIT, "implicit"}};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(f & names[i].bit))
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", names[i].name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(buf, len, "none");
}

struct list_ctx {
    FILE *out;
    int count;
};

static int endpoint_attr_cb(const struct nlattr *n, void *data)
{
    struct pm_endpoint *ep = data;
    uint16_t t = mnl_attr_get_type(n);
    if (t == MPTCP_PM_ADDR_ATTR_ADDR4 && mnl_attr_get_payload_len(n) == 4)
        memcpy(&ep->addr, mnl_attr_get_payload(n), 4);
    else if (t == MPTCP_PM_ADDR_ATTR_ID && mnl_attr_validate(n, MNL_TYPE_U8) == 0)
        ep->id = mnl_attr_get_u8(n);
    else if (t == MPTCP_PM_ADDR_ATTR_FLAGS && mnl_attr_validate(n, MNL_TYPE_U32) == 0)
        ep->flags = mnl_attr_get_u32(n);
    else if (t == MPTCP_PM_ADDR_ATTR_IF_IDX && mnl_attr_validate(n, MNL_TYPE_U32) == 0)
        ep->ifindex = (int32_t)mnl_attr_get_u32(n);
    else if (t == MPTCP_PM_ADDR_ATTR_PORT && mnl_attr_validate(n, MNL_TYPE_U16) == 0)
        ep->port = mnl_attr_get_u16(n);
    return MNL_CB_OK;
}

static int list_attr_cb(const struct nlattr *a, void *data)
{
    struct list_ctx *lc = data;
    if ((mnl_attr_get_type(a) & NLA_TYPE_MASK) != MPTCP_PM_ATTR_ADDR)
        return MNL_CB_OK;
    struct pm_endpoint ep;
    memset(&ep, 0, sizeof(ep));
    if (mnl_attr_parse_nested(a, endpoint_attr_cb, &ep) < 0)
        return MNL_CB_ERROR;
    char ab[INET_ADDRSTRLEN], fb[64], ifn[IF_NAMESIZE];
    flags_str(ep.flags, fb, sizeof(fb));
    fprintf(lc->out, "id %u addr %s flags %s", ep.id,
            inet_ntop(AF_INET, &ep.addr, ab, sizeof(ab)) ? ab : "?", fb);
    if (ep.ifindex && if_indextoname((unsigned)ep.ifindex, ifn))
        fprintf(lc->out, " dev %s", ifn);
    if (ep.port)
        fprintf(lc->out, " port %u", ep.port);
    fputc('\n', lc->out);
    lc->count++;
    return MNL_CB_OK;
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
    return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), list_attr_cb, data);
}

int pm_list(struct pm *pm, FILE *out)
{
    char buf[PM_BUF];
    struct nlmsghdr *nlh =
        put_genl(buf, pm->family, NLM_F_DUMP, MPTCP_PM_CMD_GET_ADDR, MPTCP_PM_VER, ++pm->seq);
    struct list_ctx lc = {out, 0};
    int rc = transact(pm, nlh, list_cb, &lc);
    return rc < 0 ? rc : lc.count;
}

int pm_events_join(struct pm *pm)
{
    if (pm->ev_group == 0)
        return -ENOENT;
    int grp = (int)pm->ev_group;
    if (mnl_socket_setsockopt(pm->nl, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
        return -errno;
    return 0;
}

static int event_attr_cb(const struct nlattr *a, void *data)
{
    struct pm_event *ev = data;
    uint16_t t = mnl_attr_get_type(a);
    uint16_t len = mnl_attr_get_payload_len(a);
    /* Types and sizes from uapi mptcp.h enum mptcp_event_attr; unknown or mis-sized: ignored. */
    switch (t) {
    case MPTCP_ATTR_TOKEN:
        if (len == 4)
            ev->token = mnl_attr_get_u32(a);
        break;
    case MPTCP_ATTR_FAMILY:
        if (len == 2)
            ev->family = mnl_attr_get_u16(a);
        break;
    case MPTCP_ATTR_LOC_ID:
        if (len == 1)
            ev->loc_id = mnl_attr_get_u8(a);
        break;
    case MPTCP_ATTR_REM_ID:
        if (len == 1)
            ev->rem_id = mnl_attr_get_u8(a);
        break;
    case MPTCP_ATTR_SADDR4:
        if (len == 4) {
            memcpy(&ev->saddr, mnl_attr_get_payload(a), 4);
            ev->have_saddr = true;
        }
        break;
    case MPTCP_ATTR_DADDR4:
        if (len == 4) {
            memcpy(&ev->daddr, mnl_attr_get_payload(a), 4);
            ev->have_daddr = true;
        }
        break;
    case MPTCP_ATTR_SPORT: /* be16 */
        if (len == 2)
            ev->sport = ntohs(mnl_attr_get_u16(a));
        break;
    case MPTCP_ATTR_DPORT:
        if (len == 2)
            ev->dport = ntohs(mnl_attr_get_u16(a));
        break;
    case MPTCP_ATTR_BACKUP:
        if (len == 1)
            ev->backup = mnl_attr_get_u8(a);
        break;
    case MPTCP_ATTR_ERROR:
        if (len == 1)
            ev->error = mnl_attr_get_u8(a);
        break;
    case MPTCP_ATTR_IF_IDX:
        if (len == 4)
            ev->if_idx = (int32_t)mnl_attr_get_u32(a);
        break;
    case MPTCP_ATTR_SERVER_SIDE:
        if (len == 1)
            ev->server_side = mnl_attr_get_u8(a);
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

int pm_event_parse(const void *msg, size_t len, uint16_t family, struct pm_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    const struct nlmsghdr *nlh = msg;
    /* mnl_nlmsg_ok compares (int)nlmsg_len, so a length >= 2^31 would pass it: check ourselves. */
    if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
        return -1;
    /* libmnl walks attributes up to the aligned message end: the padding must be there too. */
    if (MNL_ALIGN(nlh->nlmsg_len) > len)
        return -1;
    if (nlh->nlmsg_type != family)
        return 0;
    if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
        return -1;
    const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
    ev->type = g->cmd;
    if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), event_attr_cb, ev) < 0)
        return -1;
    return 1;
}

const char *pm_event_name(uint8_t type)
{
    switch (type) {
    case MPTCP_EVENT_CREATED:
        return "created";
    case MPTCP_EVENT_ESTABLISHED:
        return "established";
    case MPTCP_EVENT_CLOSED:
        return "closed";
    case MPTCP_EVENT_ANNOUNCED:
        return "announced";
    case MPTCP_EVENT_REMOVED:
        return "removed";
    case MPTCP_EVENT_SUB_ESTABLISHED:
        return "sub_established";
    case MPTCP_EVENT_SUB_CLOSED:
        return "sub_closed";
    case MPTCP_EVENT_SUB_PRIORITY:
        return "sub_priority";
    default:
        return "unknown";
    }
}

void pm_event_header(FILE *f)
{
    fputs("t_ns,event,token,saddr,sport,daddr,dport,loc_id,rem_id,backup,error,if_idx,"
          "server_side\n",
          f);
}

void pm_event_write(FILE *f, int64_t t_ns, const struct pm_event *ev)
{
    char s[INET_ADDRSTRLEN] = "-", d[INET_ADDRSTRLEN] = "-";
    if (ev->have_saddr && !inet_ntop(AF_INET, &ev->saddr, s, sizeof(s)))
        strcpy(s, "?");
    if (ev->have_daddr && !inet_ntop(AF_INET, &ev->daddr, d, sizeof(d)))
        strcpy(d, "?");
    fprintf(f, "%lld,%s,%u,%s,%u,%s,%u,%u,%u,%u,%u,%d,%u\n", (long long)t_ns,
            pm_event_name(ev->type), ev->token, s, ev->sport, d, ev->dport, ev->loc_id, ev->rem_id,
            ev->backup, ev->error, ev->if_idx, ev->server_side);
}

bool pm_parse_endpoint(int argc, char **argv, struct pm_endpoint *ep, char *err, size_t errlen)
{
    memset(ep, 0, sizeof(*ep));
    if (argc < 1 || inet_pton(AF_INET, argv[0], &ep->addr) != 1) {
        char b[48];
        snprintf(err, errlen, "endpoint needs an IPv4 address first, got '%s'",
                 shown(argc < 1 ? "" : argv[0], b, sizeof(b)));
        return false;
    }
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        uint64_t v;
        if (strcmp(w, "signal") == 0)
            ep->flags |= MPTCP_PM_ADDR_FLAG_SIGNAL;
        else if (strcmp(w, "subflow") == 0)
            ep->flags |= MPTCP_PM_ADDR_FLAG_SUBFLOW;
        else if (strcmp(w, "backup") == 0)
            ep->flags |= MPTCP_PM_ADDR_FLAG_BACKUP;
        else if (strcmp(w, "fullmesh") == 0)
            ep->flags |= MPTCP_PM_ADDR_FLAG_FULLMESH;
        else if (strcmp(w, "id") == 0 && i + 1 < argc && parse_u64(argv[i + 1], 255, &v) && v > 0)
            ep->id = (uint8_t)v, i++;
        else if (strcmp(w, "port") == 0 && i + 1 < argc && parse_u64(argv[i + 1], 65535, &v))
            ep->port = (uint16_t)v, i++;
        else if (strcmp(w, "dev") == 0 && i + 1 < argc) {
            unsigned idx = if_nametoindex(argv[i + 1]);
            if (idx == 0) {
                char b[48];
                snprintf(err, errlen, "no interface '%s'", shown(argv[i + 1], b, sizeof(b)));
                return false;
            }
            ep->ifindex = (int32_t)idx;
            i++;
        } else {
            char b[48];
            snprintf(err, errlen,
                     "bad endpoint word '%s' (id N|dev IF|port P|signal|subflow|backup|fullmesh)",
                     shown(w, b, sizeof(b)));
            return false;
        }
    }
    /* pm_netlink.c: fullmesh is refused together with signal. */
    if ((ep->flags & MPTCP_PM_ADDR_FLAG_FULLMESH) && (ep->flags & MPTCP_PM_ADDR_FLAG_SIGNAL)) {
        snprintf(err, errlen, "fullmesh cannot be combined with signal");
        return false;
    }
    return true;
}
