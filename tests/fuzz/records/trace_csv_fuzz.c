/* trace_csv_fuzz.c: libFuzzer target for the arrival-CSV reader the divsa unit test replays:
 * any bytes give rows or a clear error, never a crash; accepted rows replay without a crash. */
#include <stdio.h>
#include <stdlib.h>
#include "tests/unit/divsa/trace_csv.h"
#include "tools/p2pdec_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (f == NULL)
        return 0;
    struct p2p_arrival *rows;
    size_t n;
    char err[128] = "";
    int rc = trace_csv_parse(f, &rows, &n, err, sizeof err);
    fclose(f);
    if (rc != 0) {
        if (rows != NULL || n != 0 || err[0] == '\0')
            abort(); /* an error leaves nothing behind and says why */
        return 0;
    }
    struct p2p_replay rp;
    p2p_replay_init(&rp, (size & 1) != 0);
    for (size_t i = 0; i < n; i++)
        if (p2p_replay_step(&rp, &rows[i], NULL) != 0 && rows[i].conn < P2P_REPLAY_MAX_CONN)
            abort();
    p2p_replay_free(&rp);
    free(rows);
    return 0;
}
