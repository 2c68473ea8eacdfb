/* cmdparse.c: command-line word splitter and value parsers for the kernel's key=value registry. */
#include "cmdparse.h"
#include "format.h"

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmd_next(const char *line, size_t len, size_t *pos, struct cmd_word *w)
{
    size_t i = *pos;
    while (i < len && line[i] != '\0' && blank(line[i]))
        i++;
    if (i >= len || line[i] == '\0') {
        *pos = i;
        return false;
    }
    size_t start = i;
    while (i < len && line[i] != '\0' && !blank(line[i]))
        i++;
    w->key = line + start;
    w->val = NULL;
    w->val_len = 0;
    w->key_len = i - start;
    for (size_t j = start; j < i; j++) {
        if (line[j] == '=') {
            w->key_len = j - start;
            w->val = line + j + 1;
            w->val_len = i - j - 1;
            break;
        }
    }
    *pos = i;
    return true;
}

bool cmd_key_is(const struct cmd_word *w, const char *name)
{
    size_t n = strlen(name);
    return n == w->key_len && memcmp(w->key, name, n) == 0;
}

int cmd_parse_duration_ns(const char *s, size_t len, uint64_t default_unit_ns, uint64_t *out)
{
    size_t digits = 0;
    while (digits < len && s[digits] >= '0' && s[digits] <= '9')
        digits++;
    uint64_t unit;
    size_t ulen = len - digits;
    const char *u = s + digits;
    if (ulen == 0)
        unit = default_unit_ns;
    else if (ulen == 2 && memcmp(u, "ns", 2) == 0)
        unit = 1;
    else if (ulen == 2 && memcmp(u, "us", 2) == 0)
        unit = 1000;
    else if (ulen == 2 && memcmp(u, "ms", 2) == 0)
        unit = 1000000;
    else if (ulen == 1 && u[0] == 's')
        unit = 1000000000;
    else
        return -1;
    uint64_t v;
    if (digits == 0 || kparse_u64(s, digits, &v) != 0)
        return -1;
    /* Refuse values whose product would overflow 64 bits (about 584 years in ns). */
    if (unit != 0 && v > UINT64_MAX / unit)
        return -1;
    *out = v * unit;
    return 0;
}
