/* cmdparse.h: splits a kernel command line into key[=value] words (no allocation, bounds-checked).
 */
#ifndef NETSYNC_CMDPARSE_H
#define NETSYNC_CMDPARSE_H
#include "klib.h"

/* One word of the command line; pointers point into the caller's line, not NUL-terminated. */
struct cmd_word {
    const char *key;
    size_t key_len;
    const char *val; /* NULL when the word has no '=' */
    size_t val_len;
};

/*
 * Words are separated by spaces or tabs; "key=value" splits at the first '='; a bare "key" is a
 * flag. No quoting: values cannot contain blanks (none of ours needs them). A NUL byte ends the
 * line early. Returns true and fills *w for each word, false at the end; *pos is the cursor.
 */
bool cmd_next(const char *line, size_t len, size_t *pos, struct cmd_word *w);

/* True when the word's key equals the NUL-terminated name. */
bool cmd_key_is(const struct cmd_word *w, const char *name);

/* Parses a duration value "N", "Nns", "Nus", "Nms" or "Ns" (unit default given) into ns; -1 bad. */
int cmd_parse_duration_ns(const char *s, size_t len, uint64_t default_unit_ns, uint64_t *out);

#endif
