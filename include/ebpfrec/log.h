/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One levelled log callback for the whole library; stdout carries data only. */
#ifndef EBPFREC_LOG_H
#define EBPFREC_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

enum ebr_log_level {
	EBR_LOG_ERROR = 0,
	EBR_LOG_WARN = 1,
	EBR_LOG_INFO = 2,
	EBR_LOG_DEBUG = 3,
};

typedef void (*ebr_log_fn)(enum ebr_log_level level, const char *msg, void *ctx);

/*
 * Route the library's messages. NULL restores the default, which prints
 * errors and warnings to stderr. Returns the previous callback.
 */
ebr_log_fn ebr_set_log(ebr_log_fn fn, void *ctx);
/* Messages above this level are not formatted at all. Default: EBR_LOG_WARN. */
void ebr_set_log_level(enum ebr_log_level max);

#ifdef __cplusplus
}
#endif

#endif /* EBPFREC_LOG_H */
