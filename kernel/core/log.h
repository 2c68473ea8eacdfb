/* log.h: the COM1 human log (timestamped, levelled lines) and raw console output. */
#ifndef NETSYNC_LOG_H
#define NETSYNC_LOG_H
#include "lib/klib.h"

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* "[   12.345678] I sched: message" ; the timestamp is the monotonic clock (0 before TSC
 * calibration). */
void klog(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Raw text, no prefix: test result lines and reports that parsers match at line start. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
/* Lines above this level are dropped (cmdline key loglevel=0..3, default 2). */
extern int log_threshold;

#define LOGE(...) klog(LOG_ERROR, __VA_ARGS__)
#define LOGW(...) klog(LOG_WARN, __VA_ARGS__)
#define LOGI(...) klog(LOG_INFO, __VA_ARGS__)
#define LOGD(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
