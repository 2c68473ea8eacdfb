/* trace_csv.h: reads `com2dec --arrivals` CSV (docs/records.md §3) back into ARRIVAL records. */
#ifndef NETSYNC_TRACE_CSV_H
#define NETSYNC_TRACE_CSV_H
#include <stddef.h>
#include <stdio.h>
#include "lib/p2p_wire.h"

/* Reads every row of path into a malloc'd array (*rows, *n). Columns are found by their header
   names; a file without the version-2 columns gives version-1 rows (view unknown). 0 ok; -1 with
   a message on stderr (unreadable file, missing column, malformed number). */
int trace_csv_read(const char *path, struct p2p_arrival **rows, size_t *n);
/* The same from an open stream; on error -1, *rows NULL and a message in err (no output). */
int trace_csv_parse(FILE *f, struct p2p_arrival **rows, size_t *n, char *err, size_t errlen);

#endif
