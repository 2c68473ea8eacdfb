/* topo.h: topology files: the links between host and guest (addresses, NIC, profile per direction)
 * and guest settings. */
#ifndef NETSYNC_NETEM_TOPO_H
#define NETSYNC_NETEM_TOPO_H

#include <stddef.h>
#include <stdint.h>

/* The guest drives two legacy virtio-net NICs today (DESIGN.md section 2); four leaves room. */
#define TOPO_MAX_LINKS 4
/* Link names become part of tap names (IFNAMSIZ 16 with a NUL and a per-run prefix). */
#define TOPO_NAME_MAX 8

struct topo_link {
    char name[TOPO_NAME_MAX + 1];
    uint32_t host_addr; /* host byte order */
    unsigned prefix;
    uint32_t guest_addr;
    unsigned nic;
    uint8_t mac[6];
    char down[256], up[256]; /* profile name or path, as written */
    unsigned line;           /* where the link was defined, for later messages */
};

struct topo {
    char name[64];
    unsigned nlinks;
    struct topo_link link[TOPO_MAX_LINKS];
    unsigned guest_memory_mib;
    char guest_sched[16];
    unsigned guest_rpc_port;
};

/* Parses topology text (no file access); errors read "NAME:LINE: reason". */
int topo_parse(const char *text, size_t len, const char *name, struct topo *t, char *err,
               size_t errlen);
int topo_load(const char *path, struct topo *t, char *err, size_t errlen);
/* Resolves a profile reference: a name maps to DIR/NAME.profile, anything with '/' is a path. */
int topo_profile_path(const char *ref, const char *profile_dir, char *out, size_t outlen);
/* Loads every referenced profile to prove it is valid; errors name the topology line. */
int topo_check_profiles(const struct topo *t, const char *topo_name, const char *profile_dir,
                        char *err, size_t errlen);

#endif
