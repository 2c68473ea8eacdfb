/* cmdline.c: applies "key=value" words to the keys registered with KPARAM; reports the rest. */
#include "core/cmdline.h"
#include "core/log.h"
#include "lib/cmdparse.h"

extern const struct kparam __kparams_start[], __kparams_end[];

/* Multiboot hands us a NUL-terminated string; longer lines are truncated and said so. */
#define CMDLINE_MAX 1024
static char line_copy[CMDLINE_MAX];
int cmdline_errors;

const char *cmdline_get(void)
{
    return line_copy;
}

/* The KPARAM table spans two linker symbols; counted through integers so no tool mistakes
   the walk for a comparison of unrelated objects. */
static size_t nparams(void)
{
    return ((uintptr_t)__kparams_end - (uintptr_t)__kparams_start) / sizeof(struct kparam);
}

static const struct kparam *find(const struct cmd_word *w)
{
    for (size_t i = 0; i < nparams(); i++) {
        if (cmd_key_is(w, __kparams_start[i].key))
            return &__kparams_start[i];
    }
    return NULL;
}

static bool has_slash(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/')
            return true;
    }
    return false;
}

static void list_known(void)
{
    for (size_t i = 0; i < nparams(); i++)
        LOGW("cmdline:   %-10s %s", __kparams_start[i].key, __kparams_start[i].help);
}

int cmdline_apply_words(const char *line, size_t n)
{
    int errors = 0;
    size_t pos = 0;
    struct cmd_word w;
    bool first = true;
    bool listed = false;
    while (cmd_next(line, n, &pos, &w)) {
        /* QEMU -kernel and GRUB both pass the image path as the first word: not a key. */
        if (first && w.val == NULL && has_slash(w.key, w.key_len)) {
            first = false;
            continue;
        }
        first = false;
        const struct kparam *p = find(&w);
        if (p == NULL) {
            LOGW("cmdline: unknown key '%.*s' ignored%s", (int)w.key_len, w.key,
                 listed ? "" : "; known keys:");
            if (!listed)
                list_known();
            listed = true;
            errors++;
            continue;
        }
        if (p->set(w.val, w.val_len) != 0) {
            LOGE("cmdline: bad value '%.*s' for key '%s' (%s)", (int)w.val_len,
                 w.val != NULL ? w.val : "", p->key, p->help);
            errors++;
        }
    }
    return errors;
}

int cmdline_apply(const char *line)
{
    size_t n = 0;
    if (line != NULL) {
        while (n < CMDLINE_MAX - 1 && line[n] != '\0')
            n++;
        memcpy(line_copy, line, n);
        if (line[n] != '\0') {
            LOGW("cmdline: longer than %d bytes, truncated", CMDLINE_MAX - 1);
            cmdline_errors++;
        }
    }
    line_copy[n] = '\0';

    cmdline_errors += cmdline_apply_words(line_copy, n);
    return cmdline_errors;
}
