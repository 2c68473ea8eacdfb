/* ifb.c: ingress-to-ifb redirection (ingress qdisc, u32 match-all, mirred egress redirect) through
 * libnl. */
#include "ifb.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

/* The ingress qdisc's fixed handle ffff:0 (tc(8), "ingress"; TC_H_INGRESS parent). */
#define INGRESS_HANDLE 0xFFFF0000u

static int fail(char *err, size_t errlen, const char *what, int rc)
{
    snprintf(err, errlen, "%s: %s", what, nl_geterror(rc));
    return -1;
}

static struct nl_sock *connect_route(char *err, size_t errlen)
{
    struct nl_sock *s = nl_socket_alloc();
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = nl_connect(s, NETLINK_ROUTE);
    if (rc < 0) {
        fail(err, errlen, "netlink", rc);
        nl_socket_free(s);
        return NULL;
    }
    return s;
}

/* Creates IFB if needed and sets it up; returns its index or 0. */
static unsigned make_ifb(struct nl_sock *s, const char *ifb, char *err, size_t errlen)
{
    unsigned idx = if_nametoindex(ifb);
    int rc;
    if (idx == 0) {
        struct rtnl_link *l = rtnl_link_alloc();
        if (l == NULL)
            return 0;
        rtnl_link_set_name(l, ifb);
        rc = rtnl_link_set_type(l, "ifb");
        if (rc >= 0)
            rc = rtnl_link_add(s, l, NLM_F_CREATE | NLM_F_EXCL);
        rtnl_link_put(l);
        if (rc < 0) {
            fail(err, errlen, "create ifb (kernel without the ifb driver?)", rc);
            return 0;
        }
        idx = if_nametoindex(ifb);
        if (idx == 0) {
            snprintf(err, errlen, "ifb %s vanished after creation", ifb);
            return 0;
        }
    }
    struct rtnl_link *orig = rtnl_link_alloc(), *chg = rtnl_link_alloc();
    if (orig == NULL || chg == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    } else {
        rtnl_link_set_ifindex(orig, (int)idx);
        rtnl_link_set_flags(chg, IFF_UP);
        rc = rtnl_link_change(s, orig, chg, 0);
        if (rc < 0)
            fail(err, errlen, "set ifb up", rc);
    }
    if (orig)
        rtnl_link_put(orig);
    if (chg)
        rtnl_link_put(chg);
    return rc < 0 ? 0 : idx;
}

int ifb_wire(const char *dev, const char *ifb, char *err, size_t errlen)
{
    unsigned didx = if_nametoindex(dev);
    if (didx == 0) {
        snprintf(err, errlen, "interface %s: %s", dev, strerror(errno));
        return -1;
    }
    struct nl_sock *s = connect_route(err, errlen);
    if (s == NULL)
        return -1;
    int ret = -1, rc;
    struct rtnl_qdisc *q = NULL;
    struct rtnl_cls *c = NULL;
    struct rtnl_act *a = NULL;
    unsigned iidx = make_ifb(s, ifb, err, errlen);
    if (iidx == 0)
        goto out;
    q = rtnl_qdisc_alloc();
    c = rtnl_cls_alloc();
    a = rtnl_act_alloc();
    if (q == NULL || c == NULL || a == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rtnl_tc_set_ifindex(TC_CAST(q), (int)didx);
    rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
    rtnl_tc_set_handle(TC_CAST(q), INGRESS_HANDLE);
    if ((rc = rtnl_tc_set_kind(TC_CAST(q), "ingress")) < 0 ||
        ((rc = rtnl_qdisc_add(s, q, NLM_F_CREATE)) < 0 && rc != -NLE_EXIST)) {
        fail(err, errlen, "ingress qdisc", rc);
        goto out;
    }
    /* u32 "match u32 0 0": one key that every packet satisfies */
    rtnl_tc_set_ifindex(TC_CAST(c), (int)didx);
    rtnl_tc_set_parent(TC_CAST(c), INGRESS_HANDLE);
    rtnl_cls_set_protocol(c, ETH_P_ALL);
    rtnl_cls_set_prio(c, 1);
    if ((rc = rtnl_tc_set_kind(TC_CAST(c), "u32")) < 0 ||
        (rc = rtnl_u32_add_key_uint32(c, 0, 0, 0, 0)) < 0 ||
        (rc = rtnl_u32_set_cls_terminal(c)) < 0) {
        fail(err, errlen, "u32 filter", rc);
        goto out;
    }
    /* mirred egress redirect to the ifb; the packet is stolen from DEV's receive path and
     * comes back to it after the ifb's egress qdisc (drivers/net/ifb.c) */
    if ((rc = rtnl_tc_set_kind(TC_CAST(a), "mirred")) < 0 ||
        (rc = rtnl_mirred_set_action(a, TCA_EGRESS_REDIR)) < 0 ||
        (rc = rtnl_mirred_set_policy(a, TC_ACT_STOLEN)) < 0 ||
        (rc = rtnl_mirred_set_ifindex(a, iidx)) < 0 || (rc = rtnl_u32_add_action(c, a)) < 0) {
        fail(err, errlen, "mirred action", rc);
        goto out;
    }
    if ((rc = rtnl_cls_add(s, c, NLM_F_CREATE)) < 0) {
        fail(err, errlen, "add redirect filter", rc);
        goto out;
    }
    ret = 0;
out:
    if (a)
        rtnl_act_put(a);
    if (c)
        rtnl_cls_put(c);
    if (q)
        rtnl_qdisc_put(q);
    nl_socket_free(s);
    return ret;
}

int ifb_unwire(const char *dev, const char *ifb, char *err, size_t errlen)
{
    struct nl_sock *s = connect_route(err, errlen);
    if (s == NULL)
        return -1;
    int ret = 0, rc;
    unsigned didx = if_nametoindex(dev), iidx = if_nametoindex(ifb);
    if (didx != 0) {
        struct rtnl_qdisc *q = rtnl_qdisc_alloc();
        if (q != NULL) {
            rtnl_tc_set_ifindex(TC_CAST(q), (int)didx);
            rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
            rtnl_tc_set_handle(TC_CAST(q), INGRESS_HANDLE);
            rc = rtnl_tc_set_kind(TC_CAST(q), "ingress");
            if (rc >= 0)
                rc = rtnl_qdisc_delete(s, q);
            if (rc < 0 && rc != -NLE_OBJ_NOTFOUND)
                ret = fail(err, errlen, "remove ingress qdisc", rc);
            rtnl_qdisc_put(q);
        }
    }
    if (iidx != 0) {
        struct rtnl_link *l = rtnl_link_alloc();
        if (l != NULL) {
            rtnl_link_set_ifindex(l, (int)iidx);
            rc = rtnl_link_delete(s, l);
            if (rc < 0)
                ret = fail(err, errlen, "delete ifb", rc);
            rtnl_link_put(l);
        }
    }
    nl_socket_free(s);
    return ret;
}

int64_t ifb_tx_packets(const char *ifb)
{
    char err[128];
    struct nl_sock *s = connect_route(err, sizeof(err));
    if (s == NULL)
        return -1;
    struct rtnl_link *l = NULL;
    int64_t v = -1;
    if (rtnl_link_get_kernel(s, 0, ifb, &l) >= 0 && l != NULL) {
        v = (int64_t)rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
        rtnl_link_put(l);
    }
    nl_socket_free(s);
    return v;
}
