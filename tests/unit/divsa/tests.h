/* tests.h: the divsa unit tests defined outside test_divsa.c (its main lists them all). */
#ifndef NETSYNC_DIVSA_TESTS_H
#define NETSYNC_DIVSA_TESTS_H

void arrival_pack_roundtrip(void **st);
void arrival_v1_view_unknown(void **st);
void replay_synthetic_mptcp_trace(void **st);
void replay_guest_trace(void **st);
void trace_csv_rejects_bad_rows(void **st);

#endif
