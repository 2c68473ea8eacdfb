/* textfile.h: read a whole (bounded) text file into memory, NUL-terminated. */
#ifndef NETSYNC_NETEM_TEXTFILE_H
#define NETSYNC_NETEM_TEXTFILE_H

#include <stddef.h>

/* Returns 0 and a malloc'd buffer, or -1 with the reason (strerror or "too large"). */
int textfile_read(const char *path, size_t max, char **text, size_t *len, char *why, size_t whylen);

#endif
