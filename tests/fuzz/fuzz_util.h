/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the fuzz targets share: a silent log and a sink for decoded output. */
#ifndef EBPFREC_FUZZ_UTIL_H
#define EBPFREC_FUZZ_UTIL_H

#include <stdio.h>

#include "ebpfrec/log.h"

/* every input is hostile: the messages it earns would drown the fuzzer's own */
static inline void quiet(enum ebr_log_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)msg;
	(void)ctx;
}

/* output is produced (so its code runs) and thrown away */
static inline FILE *sink(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	return f;
}

#endif
