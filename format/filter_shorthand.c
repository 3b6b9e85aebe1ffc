// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Command-line shorthands written out as filter expressions, so that
 * `--pid 42` and `-f 'pid = 42'` are the same filter, compiled and pushed
 * down the same way (docs/filter.md, "Shorthands").
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpfrec/filter.h"
#include "ebpfrec/severity.h"
#include "filter_internal.h"

struct out {
	FILE *f;
	int parts;
};

static void part(struct out *o, const char *s)
{
	fprintf(o->f, "%s%s", o->parts++ ? " and " : "", s);
}

/* The next comma-separated item of *list, trimmed; NULL at the end. */
static const char *next_item(const char **list, size_t *len)
{
	const char *s = *list, *e;

	if (!s)
		return NULL;
	while (isspace((unsigned char)*s))
		s++;
	e = strchr(s, ',');
	*list = e ? e + 1 : NULL;
	if (!e)
		e = s + strlen(s);
	*len = (size_t)(e - s);
	while (*len && isspace((unsigned char)s[*len - 1]))
		(*len)--;
	return s;
}

static int all_digits(const char *s, size_t len)
{
	if (!len || len > 10)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return strtoull(s, NULL, 10) <= UINT32_MAX;
}

static void quoted(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fputc('\\', f);
		fputc(s[i], f);
	}
	fputc('"', f);
}

static int types_part(struct out *o, const char *list, struct ebr_filter_error *err)
{
	const char *item;
	size_t len, n = 0;

	fputs(o->parts++ ? " and type in (" : "type in (", o->f);
	while ((item = next_item(&list, &len))) {
		int ok = len > 0;

		for (size_t i = 0; i < len; i++)
			if (!isalnum((unsigned char)item[i]) && item[i] != '_')
				ok = 0;
		if (!ok) {
			flt_set_error(err, 0, "--type: '%.*s' is not an event type name",
				      (int)(len > 40 ? 40 : len), item);
			return -EINVAL;
		}
		fprintf(o->f, "%s%.*s", n++ ? ", " : "", (int)len, item);
	}
	fputc(')', o->f);
	return 0;
}

static int pids_part(struct out *o, const char *list, struct ebr_filter_error *err)
{
	const char *item;
	size_t len, n = 0;

	fputs(o->parts++ ? " and pid in (" : "pid in (", o->f);
	while ((item = next_item(&list, &len))) {
		if (!all_digits(item, len)) {
			flt_set_error(err, 0, "--pid: '%.*s' is not a process id", (int)(len > 40 ? 40 : len),
				      item);
			return -EINVAL;
		}
		fprintf(o->f, "%s%.*s", n++ ? ", " : "", (int)len, item);
	}
	fputc(')', o->f);
	return 0;
}

static int strings_part(struct out *o, const char *opt, const char *field, const char *list,
			struct ebr_filter_error *err)
{
	const char *item;
	size_t len, n = 0;

	fprintf(o->f, "%s%s in (", o->parts++ ? " and " : "", field);
	while ((item = next_item(&list, &len))) {
		if (!len) {
			flt_set_error(err, 0, "%s: empty name in the list", opt);
			return -EINVAL;
		}
		fputs(n++ ? ", " : "", o->f);
		quoted(o->f, item, len);
	}
	fputc(')', o->f);
	return 0;
}

/*
 * A number is a namespace inode (pid or mount namespace, as `info` shows);
 * anything else names a Kubernetes namespace (k8s_namespace, resolved
 * through the cgroup table).
 */
static int namespaces_part(struct out *o, const char *list, struct ebr_filter_error *err)
{
	const char *item, *l = list;
	size_t len, nums = 0, names = 0;
	char *numbuf = NULL, *namebuf = NULL;
	size_t numlen = 0, namelen = 0;
	FILE *nf = open_memstream(&numbuf, &numlen), *mf = open_memstream(&namebuf, &namelen);
	int ret = 0;

	if (!nf || !mf) {
		ret = -ENOMEM;
		goto out;
	}
	while ((item = next_item(&l, &len))) {
		if (!len) {
			flt_set_error(err, 0, "--namespace: empty name in the list");
			ret = -EINVAL;
			goto out;
		}
		if (all_digits(item, len)) {
			fprintf(nf, "%s%.*s", nums++ ? ", " : "", (int)len, item);
		} else {
			fputs(names++ ? ", " : "", mf);
			quoted(mf, item, len);
		}
	}
	fclose(nf);
	fclose(mf);
	nf = mf = NULL;
	fputs(o->parts++ ? " and (" : "(", o->f);
	if (nums)
		fprintf(o->f, "pidns in (%s) or mntns in (%s)", numbuf, numbuf);
	if (names)
		fprintf(o->f, "%sk8s_namespace in (%s)", nums ? " or " : "", namebuf);
	fputc(')', o->f);
out:
	if (nf)
		fclose(nf);
	if (mf)
		fclose(mf);
	free(numbuf);
	free(namebuf);
	return ret;
}

char *ebr_filter__shorthand_expr(const struct ebr_filter_shorthand *sh, struct ebr_filter_error *err)
{
	struct ebr_filter_shorthand o = { 0 };
	struct ebr_filter_error local;
	struct out out = { 0 };
	char *buf = NULL;
	size_t len = 0;
	int r = 0;

	if (!err)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (sh)
		memcpy(&o, sh, sh->sz && sh->sz < sizeof(o) ? sh->sz : sizeof(o));
	out.f = open_memstream(&buf, &len);
	if (!out.f) {
		errno = ENOMEM;
		return NULL;
	}
	if (o.types)
		r = types_part(&out, o.types, err);
	if (!r && o.pids)
		r = pids_part(&out, o.pids, err);
	if (!r && o.containers)
		r = strings_part(&out, "--container", "container", o.containers, err);
	if (!r && o.namespaces)
		r = namespaces_part(&out, o.namespaces, err);
	if (!r && o.min_severity) {
		int sev = ebr_severity__from_name(o.min_severity);

		if (sev < 0 && strlen(o.min_severity) == 1 && o.min_severity[0] >= '0' &&
		    o.min_severity[0] < '0' + EBR_SEV_NR)
			sev = o.min_severity[0] - '0';
		if (sev < 0) {
			flt_set_error(err, 0,
				      "--min-severity: unknown severity '%.40s'; severities are: info, "
				      "notice, warning, error, critical",
				      o.min_severity);
			r = -EINVAL;
		} else {
			fprintf(out.f, "%sseverity >= %s", out.parts++ ? " and " : "",
				ebr_severity__name((unsigned)sev));
		}
	}
	if (!r && o.exclude_system)
		part(&out, "not system");
	if (fclose(out.f) && !r)
		r = -ENOMEM;
	if (r) {
		free(buf);
		errno = -r;
		return NULL;
	}
	return buf;
}

char *ebr_filter__join(const char *a, const char *b)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
	char *s;

	if (!la || !lb) {
		s = strdup(la ? a : lb ? b : "");
	} else {
		s = malloc(la + lb + 12);
		if (s)
			sprintf(s, "(%s) and (%s)", a, b);
	}
	if (!s)
		errno = ENOMEM;
	return s;
}
