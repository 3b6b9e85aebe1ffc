// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static void default_log(enum ebr_log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "ebpfrec: %s%s\n", level == EBR_LOG_WARN ? "warning: " : "", msg);
}

/*
 * Process-wide like libbpf_set_print: where messages go is a property of the
 * program, not of a capture, so two readers in one process share it.
 */
static ebr_log_fn log_fn = default_log;
static void *log_ctx;
static enum ebr_log_level log_max = EBR_LOG_WARN;

ebr_log_fn ebr_set_log(ebr_log_fn fn, void *ctx)
{
	ebr_log_fn old = log_fn;

	log_fn = fn ? fn : default_log;
	log_ctx = ctx;
	return old;
}

void ebr_set_log_level(enum ebr_log_level max)
{
	log_max = max;
}

void ebr_log(enum ebr_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(level, msg, log_ctx);
}
