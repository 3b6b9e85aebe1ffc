// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <string.h>

#include "text_format.h"

#define BAR_WIDTH 52

const char *hist__label(uint64_t v, char *buf, size_t len)
{
	static const char suffix[] = " KMGTPE";
	unsigned i = 0;

	while (v >= 1024 && v % 1024 == 0 && i < sizeof(suffix) - 2) {
		v /= 1024;
		i++;
	}
	if (i)
		snprintf(buf, len, "%" PRIu64 "%c", v, suffix[i]);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

void hist__print(const struct hist *h, const char *title, FILE *out)
{
	unsigned first, last;
	uint64_t max = 0;

	fprintf(out, "%s:\n", title);
	if (!hist__range(h, &first, &last))
		return;
	for (unsigned i = first; i <= last; i++)
		if (h->b[i] > max)
			max = h->b[i];
	for (unsigned i = first; i <= last; i++) {
		char range[48], lo[16], hi[16], bar[BAR_WIDTH + 1];
		unsigned n = (unsigned)((unsigned __int128)h->b[i] * BAR_WIDTH / max);

		if (i <= 1)
			snprintf(range, sizeof(range), "[%s]", hist__label(hist__low(i), lo, sizeof(lo)));
		else if (i == HIST_BUCKETS - 1)
			snprintf(range, sizeof(range), "[%s, ...)", hist__label(hist__low(i), lo, sizeof(lo)));
		else
			snprintf(range, sizeof(range), "[%s, %s)", hist__label(hist__low(i), lo, sizeof(lo)),
				 hist__label(hist__low(i + 1), hi, sizeof(hi)));
		memset(bar, '@', n);
		memset(bar + n, ' ', BAR_WIDTH - n);
		bar[BAR_WIDTH] = 0;
		fprintf(out, "%-16s%8" PRIu64 " |%s|\n", range, h->b[i], bar);
	}
}

const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.2f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	return buf;
}

const char *fmt_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	unsigned i = 0;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return buf;
	}
	v /= 1024;
	while (v >= 1024 && i < sizeof(units) / sizeof(units[0]) - 1) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f %s", v, units[i]);
	return buf;
}
