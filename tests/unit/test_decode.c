// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The decoder's text and JSON output, byte for byte; JSON stays valid whatever the input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "ebpfrec/decode.h"
#include "events.h"
#include "layout.h"

#define T0 5000000000000ULL /* boot ns of the capture's first event */
#define WALL0 1700000000ULL /* 2023-11-14T22:13:20Z */

/* ------------------------------------------------ an independent JSON check */

struct jp {
	const unsigned char *p, *end;
};

/* Decodes one UTF-8 character the long way: by its code point. 0 if ill-formed. */
static size_t utf8_char(const unsigned char *p, const unsigned char *end)
{
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n = p[0] < 0x80 ? 1 : (p[0] >> 5) == 6 ? 2 : (p[0] >> 4) == 14 ? 3 : (p[0] >> 3) == 30 ? 4 : 0;
	uint32_t cp;

	if (!n || (size_t)(end - p) < n)
		return 0;
	cp = n == 1 ? p[0] : p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] >> 6) != 2)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min_cp[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int lit(struct jp *j, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, s, n))
		return 0;
	j->p += n;
	return 1;
}

static int jstring(struct jp *j)
{
	if (!lit(j, "\""))
		return 0;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p < 0x20)
			return 0;
		if (*j->p == '\\') {
			j->p++;
			if (j->p >= j->end)
				return 0;
			if (*j->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (j->p + i >= j->end || !strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i])
						return 0;
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
				j->p++;
			} else {
				return 0;
			}
			continue;
		}
		size_t n = utf8_char(j->p, j->end);

		if (!n)
			return 0;
		j->p += n;
	}
	return lit(j, "\"");
}

static int digits(struct jp *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

static int jnumber(struct jp *j)
{
	lit(j, "-");
	if (!lit(j, "0") && !(j->p < j->end && *j->p >= '1' && *j->p <= '9' && digits(j)))
		return 0;
	if (lit(j, ".") && !digits(j))
		return 0;
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (!lit(j, "+"))
			lit(j, "-");
		if (!digits(j))
			return 0;
	}
	return 1;
}

static int jvalue(struct jp *j);

static int jcontainer(struct jp *j, char open, char close, int object)
{
	char o[2] = { open, 0 }, c[2] = { close, 0 };

	if (!lit(j, o))
		return 0;
	ws(j);
	if (lit(j, c))
		return 1;
	for (;;) {
		ws(j);
		if (object) {
			if (!jstring(j))
				return 0;
			ws(j);
			if (!lit(j, ":"))
				return 0;
		}
		if (!jvalue(j))
			return 0;
		ws(j);
		if (lit(j, c))
			return 1;
		if (!lit(j, ","))
			return 0;
	}
}

static int jvalue(struct jp *j)
{
	ws(j);
	if (j->p >= j->end)
		return 0;
	switch (*j->p) {
	case '{':
		return jcontainer(j, '{', '}', 1);
	case '[':
		return jcontainer(j, '[', ']', 0);
	case '"':
		return jstring(j);
	case 't':
		return lit(j, "true");
	case 'f':
		return lit(j, "false");
	case 'n':
		return lit(j, "null");
	default:
		return jnumber(j);
	}
}

/* One JSON object and a newline, nothing else. */
static void assert_json_line(const char *s, size_t len)
{
	struct jp j = { (const unsigned char *)s, (const unsigned char *)s + len };

	assert_true(len > 0 && *s == '{');
	if (!jvalue(&j))
		fail_msg("invalid JSON at byte %zu: %s", (size_t)(j.p - (const unsigned char *)s), s);
	assert_true(lit(&j, "\n"));
	assert_true(j.p == j.end);
}

/* ---------------------------------------------------------------- records */

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static void out_open(struct out *o)
{
	o->buf = NULL;
	o->f = open_memstream(&o->buf, &o->len);
	assert_non_null(o->f);
}

static const char *out_text(struct out *o)
{
	assert_int_equal(fclose(o->f), 0);
	return o->buf;
}

static struct ebr_decoder *decoder(enum ebr_time_format tf, const struct ebr_schema *s)
{
	static struct ebr_capture_info info;
	struct ebr_decoder_opts o = { .sz = sizeof(o), .time_format = tf };

	memset(&info, 0, sizeof(info));
	info.t_first = T0;
	info.boot_to_wall_ns = (int64_t)(WALL0 * 1000000000ULL - T0);
	return ebr_decoder__new(s ? s : ebr_schema__builtin(), &info, &o);
}

static void fill_hdr(struct ebr_event_header *h, unsigned type, uint64_t ts, const char *comm)
{
	h->type = (uint16_t)type;
	h->ts = ts;
	h->cpu = 1;
	h->pid = 100;
	h->tid = 101;
	h->ppid = 1;
	h->uid = 1000;
	h->gid = 1001;
	h->pidns = 4026531836U;
	h->cgroup_id = 7;
	h->mntns = 4026531840U;
	memset(h->comm, 0, sizeof(h->comm));
	memcpy(h->comm, comm, strnlen(comm, sizeof(h->comm)));
}

static size_t exec_rec(struct ebr_buf *b, uint64_t ts, const char *comm, const char *file, size_t flen,
		       const char *args, size_t alen)
{
	size_t off = ebr_rec__begin(b, sizeof(struct ebr_exec_event));
	struct ebr_exec_event *e = ebr_rec__at(b, off);

	fill_hdr(&e->hdr, EBR_T_EXEC, ts, comm);
	e->ret = -2;
	e->old_pid = 101;
	e->argc = 2;
	ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, filename), file, flen);
	ebr_rec__add_str(b, off, offsetof(struct ebr_exec_event, args), args, alen);
	ebr_rec__end(b, off);
	return off;
}

static const struct ebr_event_header *at(struct ebr_buf *b, size_t off)
{
	return (const void *)(b->p + off);
}

static const char *text_of(struct ebr_decoder *d, const struct ebr_event_header *h, struct out *o)
{
	out_open(o);
	assert_int_equal(ebr_decoder__text(d, h, o->f), 0);
	return out_text(o);
}

static const char *json_of(struct ebr_decoder *d, const struct ebr_event_header *h, struct out *o)
{
	out_open(o);
	assert_int_equal(ebr_decoder__json(d, h, o->f), 0);
	out_text(o);
	assert_json_line(o->buf, o->len);
	return o->buf;
}

static void test_exec(void **state)
{
	struct ebr_buf b = { 0 };
	size_t off = exec_rec(&b, T0 + 1500000000ULL, "bash", "/bin/ls", 7, "ls\0-l", 5);
	struct ebr_decoder *d = decoder(EBR_TIME_RELATIVE, NULL);
	struct out o;

	(void)state;
	assert_string_equal(text_of(d, at(&b, off), &o),
			    "1.500000000 cpu1 bash[100/101] exec ppid=1 uid=1000 gid=1001 ret=-2(ENOENT) "
			    "old_pid=101 argc=2 filename=/bin/ls args=[ls -l]\n");
	free(o.buf);
	assert_string_equal(json_of(d, at(&b, off), &o),
			    "{\"ts\":5001500000000,\"time\":\"2023-11-14T22:13:21.500000000Z\",\"type\":\"exec\","
			    "\"family\":\"process\",\"cpu\":1,\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":1000,"
			    "\"gid\":1001,\"pidns\":4026531836,\"cgroup\":7,\"mntns\":4026531840,\"comm\":\"bash\","
			    "\"ret\":-2,\"errno\":\"ENOENT\",\"old_pid\":101,\"argc\":2,\"filename\":\"/bin/ls\","
			    "\"args\":[\"ls\",\"-l\"]}\n");
	free(o.buf);
	ebr_decoder__free(d);

	/* the other clocks */
	d = decoder(EBR_TIME_WALL, NULL);
	assert_string_equal(text_of(d, at(&b, off), &o),
			    "2023-11-14T22:13:21.500000000Z cpu1 bash[100/101] exec ppid=1 uid=1000 gid=1001 "
			    "ret=-2(ENOENT) old_pid=101 argc=2 filename=/bin/ls args=[ls -l]\n");
	free(o.buf);
	ebr_decoder__free(d);
	d = decoder(EBR_TIME_BOOT, NULL);
	((struct ebr_event_header *)ebr_rec__at(&b, off))->flags = EBR_HDR_TRUNCATED;
	assert_string_equal(text_of(d, at(&b, off), &o),
			    "5001500000000 cpu1 bash[100/101] exec ppid=1 uid=1000 gid=1001 ret=-2(ENOENT) "
			    "old_pid=101 argc=2 filename=/bin/ls args=[ls -l] (truncated)\n");
	free(o.buf);
	assert_string_equal(strstr(json_of(d, at(&b, off), &o), ",\"args\""),
			    ",\"args\":[\"ls\",\"-l\"],\"truncated\":true}\n");
	free(o.buf);
	ebr_decoder__free(d);
	ebr_buf__free(&b);
}

static void test_fork_exit(void **state)
{
	struct ebr_buf b = { 0 };
	size_t f_off = ebr_rec__begin(&b, sizeof(struct ebr_fork_event)), x_off;
	struct ebr_decoder *d = decoder(EBR_TIME_RELATIVE, NULL);
	struct ebr_fork_event *f = ebr_rec__at(&b, f_off);
	struct ebr_exit_event *x;
	struct out o;

	(void)state;
	fill_hdr(&f->hdr, EBR_T_FORK, T0 - 500, "make");
	f->child_pid = 200;
	f->child_tid = 201;
	f->flags = EBR_FORK_THREAD;
	f->clone_flags = 0x3d0f00;
	ebr_rec__end(&b, f_off);
	x_off = ebr_rec__begin(&b, sizeof(struct ebr_exit_event));
	x = ebr_rec__at(&b, x_off);
	fill_hdr(&x->hdr, EBR_T_EXIT, T0 + 2, "cc1");
	x->signal = 9;
	x->core_dumped = 1;
	x->raw_status = 0x89;
	x->start_ns = T0 - 7;
	ebr_rec__end(&b, x_off);

	assert_string_equal(text_of(d, at(&b, f_off), &o),
			    "-0.000000500 cpu1 make[100/101] fork ppid=1 uid=1000 gid=1001 child_pid=200 "
			    "child_tid=201 thread=1 clone_flags=VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID\n");
	free(o.buf);
	assert_string_equal(json_of(d, at(&b, f_off), &o),
			    "{\"ts\":4999999999500,\"time\":\"2023-11-14T22:13:19.999999500Z\",\"type\":\"fork\","
			    "\"family\":\"process\",\"cpu\":1,\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":1000,"
			    "\"gid\":1001,\"pidns\":4026531836,\"cgroup\":7,\"mntns\":4026531840,\"comm\":\"make\","
			    "\"child_pid\":200,\"child_tid\":201,\"thread\":true,\"clone_flags\":4001536}\n");
	free(o.buf);
	assert_string_equal(text_of(d, at(&b, x_off), &o),
			    "0.000000002 cpu1 cc1[100/101] exit ppid=1 uid=1000 gid=1001 exit_code=0 "
			    "signal=SIGKILL core_dumped=1 raw_status=0x89 start_ts=4999999999993\n");
	free(o.buf);
	assert_string_equal(json_of(d, at(&b, x_off), &o),
			    "{\"ts\":5000000000002,\"time\":\"2023-11-14T22:13:20.000000002Z\",\"type\":\"exit\","
			    "\"family\":\"process\",\"cpu\":1,\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":1000,"
			    "\"gid\":1001,\"pidns\":4026531836,\"cgroup\":7,\"mntns\":4026531840,\"comm\":\"cc1\","
			    "\"exit_code\":0,\"signal\":9,\"signal_name\":\"SIGKILL\",\"core_dumped\":true,"
			    "\"raw_status\":137,\"start_ts\":4999999999993}\n");
	free(o.buf);
	ebr_decoder__free(d);
	ebr_buf__free(&b);
}

/* Quotes, backslashes, control bytes and every kind of ill-formed UTF-8. */
static const char nasty[] = "a\"b\\c\n\t\x01\x1f\x7f"
			    "\xc3\xa9"	       /* é */
			    "\xff"	       /* never valid */
			    "\xc0\xaf"	       /* overlong '/' */
			    "\xe0\x80\xaf"     /* overlong, 3 bytes */
			    "\xed\xa0\x80"     /* UTF-16 surrogate */
			    "\xf4\x90\x80\x80" /* above U+10FFFF */
			    "\xe2\x82"	       /* cut short, then a whole € */
			    "\xe2\x82\xac"
			    "\xf0\x9f\x98\x80" /* 😀 */
			    "\x80";	       /* stray continuation */

static const char nasty_json[] = "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\\u007f\xc3\xa9\\u00ff\\u00c0\\u00af"
				 "\\u00e0\\u0080\\u00af\\u00ed\\u00a0\\u0080\\u00f4\\u0090\\u0080\\u0080"
				 "\\u00e2\\u0082\xe2\x82\xac\xf0\x9f\x98\x80\\u0080\"";

static const char nasty_text[] = "\"a\\\"b\\\\c\\n\\t\\x01\\x1f\\x7f\xc3\xa9\xff\xc0\xaf\xe0\x80\xaf"
				 "\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82\xe2\x82\xac\xf0\x9f\x98\x80\x80\"";

static void test_json_escaping(void **state)
{
	struct ebr_buf b = { 0 };
	char args[2 * sizeof(nasty)];
	size_t off;
	struct ebr_decoder *d = decoder(EBR_TIME_RELATIVE, NULL);
	struct out o;
	char want[1024];
	const char *json, *p;

	(void)state;
	memcpy(args, nasty, sizeof(nasty)); /* two list items, both nasty */
	memcpy(args + sizeof(nasty), nasty, sizeof(nasty) - 1);
	off = exec_rec(&b, T0, "x\x1b[31m\"", nasty, sizeof(nasty) - 1, args, 2 * sizeof(nasty) - 1);
	json = json_of(d, at(&b, off), &o);
	snprintf(want, sizeof(want), ",\"filename\":%s,\"args\":[%s,%s]}\n", nasty_json, nasty_json,
		 nasty_json);
	p = strstr(json, ",\"filename\":");
	assert_non_null(p);
	assert_string_equal(p, want);
	if (!strstr(json, ",\"comm\":\"x\\u001b[31m\\\"\","))
		fail_msg("%s", json);
	free(o.buf);

	/* text: control bytes in comm are escaped, odd strings quoted, other bytes kept */
	snprintf(want, sizeof(want),
		 "0.000000000 cpu1 x\\x1b[31m\"[100/101] exec ppid=1 uid=1000 gid=1001 ret=-2(ENOENT) "
		 "old_pid=101 argc=2 filename=%s args=[%s %s]\n", nasty_text, nasty_text, nasty_text);
	assert_string_equal(text_of(d, at(&b, off), &o), want);
	free(o.buf);
	ebr_buf__free(&b);

	/* empty strings, a string with a space */
	off = exec_rec(&b, T0, "", "my file", 7, "", 0);
	assert_string_equal(text_of(d, at(&b, off), &o),
			    "0.000000000 cpu1 [100/101] exec ppid=1 uid=1000 gid=1001 ret=-2(ENOENT) "
			    "old_pid=101 argc=2 filename=\"my file\" args=[]\n");
	free(o.buf);
	assert_non_null(strstr(json_of(d, at(&b, off), &o), "\"comm\":\"\","));
	assert_non_null(strstr(o.buf, "\"filename\":\"my file\",\"args\":[]}"));
	free(o.buf);
	ebr_decoder__free(d);
	ebr_buf__free(&b);
}

/* Names in a stored schema are untrusted: as JSON keys they are escaped too. */
static void test_json_keys_from_schema(void **state)
{
	struct ebr_buf b = { 0 };
	size_t off = exec_rec(&b, T0, "sh", "/x", 2, "", 0), len;
	struct ebr_schema_disk h;
	char *buf, *p;
	struct ebr_schema *s;
	struct ebr_decoder *d;
	struct out o;

	(void)state;
	assert_int_equal(ebr_schema__serialize(ebr_schema__builtin(), (void **)&buf, &len), 0);
	memcpy(&h, buf, sizeof(h));
	p = buf + sizeof(h);
	for (uint32_t i = 0; i < h.n_types; i++) {
		struct ebr_schema_type_disk *td = (void *)p;

		p += h.type_entry_size;
		for (uint32_t k = 0; k < td->n_fields; k++, p += h.field_entry_size)
			if (td->id == EBR_T_EXEC && !strcmp(p, "argc"))
				memcpy(p, "ar\"g\\c\n", 8);
	}
	s = ebr_schema__parse(buf, len);
	assert_non_null(s);
	d = decoder(EBR_TIME_RELATIVE, s);
	assert_non_null(strstr(json_of(d, at(&b, off), &o), ",\"ar\\\"g\\\\c\\n\":2,"));
	free(o.buf);
	ebr_decoder__free(d);
	ebr_schema__free(s);
	free(buf);
	ebr_buf__free(&b);
}

/* A record of a known type that is shorter than the type's fixed part is not decoded. */
static void test_short_record(void **state)
{
	struct ebr_buf b = { 0 };
	size_t off = ebr_rec__begin(&b, sizeof(struct ebr_event_header));
	struct ebr_decoder *d = decoder(EBR_TIME_RELATIVE, NULL);
	struct out o;

	(void)state;
	fill_hdr(ebr_rec__at(&b, off), EBR_T_EXEC, T0 + 1, "sh");
	ebr_rec__end(&b, off);
	assert_string_equal(text_of(d, at(&b, off), &o),
			    "0.000000001 cpu1 sh[100/101] exec size=72 (not described by the capture's schema)\n");
	free(o.buf);
	assert_string_equal(json_of(d, at(&b, off), &o),
			    "{\"ts\":5000000000001,\"time\":\"2023-11-14T22:13:20.000000001Z\",\"type\":\"exec\","
			    "\"family\":\"process\",\"pid\":100,\"tid\":101,\"size\":72}\n");
	free(o.buf);
	assert_string_equal(ebr_decoder__type_name(d, 777), "type_777");
	ebr_decoder__free(d);
	ebr_buf__free(&b);
}

/* Every record of a varied synthetic capture decodes to valid JSON. */
static void test_json_always_valid(void **state)
{
	struct ebr_buf b = { 0 };
	struct fx_rng rng = { 31 };
	struct ebr_decoder *d = decoder(EBR_TIME_RELATIVE, NULL);
	struct out o;

	(void)state;
	for (uint32_t i = 0; i < 5000; i++) {
		size_t off;

		b.len = 0;
		off = fx_append_record(&b, &rng, T0 + i, i, 1);
		json_of(d, at(&b, off), &o);
		free(o.buf);
	}
	ebr_decoder__free(d);
	ebr_buf__free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_fork_exit),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_keys_from_schema),
		cmocka_unit_test(test_short_record),
		cmocka_unit_test(test_json_always_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
