// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The report page: the compiled-in template with its styles, script and the capture's data put in. */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"
#include "report_assets.h"

/*
 * JSON inside <script>: "</script" or "<!--" in a file name must not end or
 * bend the script element. '<' only occurs inside JSON strings, where
 * \u003c means the same, so every one is replaced.
 */
static void put_script_safe(const char *s, size_t len, FILE *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '<')
			fputs("\\u003c", out);
		else
			putc(s[i], out);
	}
}

/* The template with each marker replaced, in whatever order they come. */
static int fill_template(const char *data, size_t data_len, FILE *out)
{
	static const char *const markers[] = { "@CSS@", "@JS@", "@DATA@" };
	const char *p = ebr_report_html;
	unsigned done = 0;

	for (;;) {
		const char *next = NULL;
		unsigned which = 0;

		for (unsigned i = 0; i < 3; i++) {
			const char *m = done & (1u << i) ? NULL : strstr(p, markers[i]);

			if (m && (!next || m < next)) {
				next = m;
				which = i;
			}
		}
		if (!next)
			break;
		fwrite(p, 1, (size_t)(next - p), out);
		if (which == 0)
			fwrite(ebr_report_css, 1, ebr_report_css_len, out);
		else if (which == 1)
			fwrite(ebr_report_js, 1, ebr_report_js_len, out);
		else
			put_script_safe(data, data_len, out);
		done |= 1u << which;
		p = next + strlen(markers[which]);
	}
	if (done != 7) {
		pr_err("the report template lacks a marker: this ebpfrec was built wrong");
		return -EINVAL;
	}
	fputs(p, out);
	return 0;
}

int report_write_html(struct ebr_reader *r, const struct report_opts *opts, FILE *out)
{
	struct report_opts o = { 0 };
	struct agg_opts ao = { .sz = sizeof(ao) };
	char *data = NULL;
	size_t data_len = 0;
	struct agg *a;
	FILE *mem;
	int err;

	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	ao.from_ts = o.from_ts;
	ao.to_ts = o.to_ts;
	ao.filter = o.filter;
	a = agg__new(r, &ao);
	if (!a)
		return -errno;
	err = agg__run(a, o.type_bitmap);
	if (err)
		goto out;
	mem = open_memstream(&data, &data_len);
	if (!mem) {
		err = -ENOMEM;
		pr_err("out of memory for the report data");
		goto out;
	}
	err = report_write_data(r, a, &o, mem);
	if (fclose(mem) && !err)
		err = -ENOMEM;
	if (err) {
		pr_err("building the report data failed: %s", strerror(-err));
		goto out;
	}
	err = fill_template(data, data_len, out);
	if (!err && (fflush(out) || ferror(out))) {
		err = -(errno ? errno : EIO);
		pr_err("writing the report failed: %s", strerror(-err));
	}
out:
	free(data);
	agg__free(a);
	return err;
}
