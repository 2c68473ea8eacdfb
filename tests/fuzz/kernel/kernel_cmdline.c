/* kernel_cmdline.c: libFuzzer target for the command-line splitter and value parsers. */
#include "cmdparse.h"
#include "format.h"
#include <stdio.h>
#include <stdlib.h>

void panic(const char *fmt, ...)
{
    (void)fmt;
    abort(); /* an invariant broke: libFuzzer reports the input */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    size_t pos = 0, last = 0;
    struct cmd_word w;
    while (cmd_next(line, size, &pos, &w)) {
        /* Words lie inside the input, move forward, and never contain blanks. */
        if (w.key < line || w.key + w.key_len > line + size || pos <= last)
            abort();
        last = pos;
        if (w.val != NULL) {
            if (w.val + w.val_len > line + size || w.val != w.key + w.key_len + 1)
                abort();
            uint64_t v;
            (void)cmd_parse_duration_ns(w.val, w.val_len, 1000, &v);
            (void)kparse_u64(w.val, w.val_len, &v);
        }
    }
    return 0;
}
