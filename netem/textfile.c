/* textfile.c: bounded whole-file reads for the profile, trace, dist and topology parsers. */
#include "textfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int textfile_read(const char *path, size_t max, char **text, size_t *len, char *why, size_t whylen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    for (;;) {
        if (n + 1 >= cap) {
            if (cap >= max) {
                free(buf);
                fclose(f);
                snprintf(why, whylen, "file larger than %zu bytes", max);
                return -1;
            }
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                snprintf(why, whylen, "out of memory");
                return -1;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                free(buf);
                fclose(f);
                snprintf(why, whylen, "read error");
                return -1;
            }
            break;
        }
    }
    fclose(f);
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}
