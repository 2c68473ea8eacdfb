/* hog.h: CPU-bound load threads (hogs=N) whose completed work is counted (docs/divsa.md §4). */
#ifndef NETSYNC_HOG_H
#define NETSYNC_HOG_H
#include "lib/klib.h"

#define HOG_MAX 16
/* Starts the hogs the command line asked for; 0, or -1 if a thread could not be created. */
int hog_start(void);
int hog_count(void);
/* Work units hog i has completed since it started (a unit is a fixed computation). */
uint64_t hog_work(int i);

#endif
