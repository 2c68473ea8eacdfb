/* dist.h: netem delay distribution tables (iproute2's .dist files) loaded at run time. */
#ifndef NETSYNC_NETEM_DIST_H
#define NETSYNC_NETEM_DIST_H

#include <stddef.h>
#include <stdint.h>

/* Table values are scaled by NETEM_DIST_SCALE (8192, linux/pkt_sched.h): value/8192 standard
 * deviations; tc refuses tables longer than NETEM_DIST_MAX (16384). */
#define DIST_SCALE 8192
#define DIST_MAX   16384

enum dist_kind { DIST_UNIFORM = 0, DIST_NORMAL, DIST_PARETO, DIST_PARETONORMAL };

struct dist_table {
    int16_t *v;
    size_t n;
};

const char *dist_name(enum dist_kind k);
/* Maps a tc distribution name to its kind; -1 if unknown. */
int dist_from_name(const char *name);
/* Parses a .dist file's text (whitespace-separated s16, '#' comments). */
int dist_parse(const char *text, struct dist_table *t, char *err, size_t errlen);
/* Finds NAME.dist in $NETSYNC_TC_DIST_DIR or iproute2's install directories and loads it. */
int dist_load(enum dist_kind k, struct dist_table *t, char *err, size_t errlen);
void dist_free(struct dist_table *t);

#endif
