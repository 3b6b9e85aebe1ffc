// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * redact: no byte of a redacted value is left anywhere in the output (its
 * blocks decompressed and searched); equal values get equal tokens and
 * different values different ones; what was not asked for is untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture_fixture.h"
#include "ebpfrec/redact.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "layout.h"
#include "redact_internal.h"
#include "world_fixture.h"

static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const char *const globs[] = { "*Project-XYZZY*" };
static const uint8_t secret_ip[4] = { 203, 0, 113, 77 };
static const uint8_t other_ip[4] = { 198, 51, 100, 9 };

struct env {
	char *dir, *in;
	struct w_capture w;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct w_opts o = { .seed = 11, .n_children = 30 };

	e->dir = fx_tmpdir();
	e->in = fx_path(e->dir, "world.ebc");
	w_build(e->in, &o, &e->w);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	free(e->in);
	fx_rmtree(e->dir);
	free(e);
	return 0;
}

static char *redact(struct env *e, const char *name, unsigned what, unsigned mode,
		    struct ebr_redact_counts *counts)
{
	struct ebr_redact_opts ro = {
		.sz = sizeof(ro), .what = what, .mode = mode, .key = key,
		.path_globs = globs, .n_path_globs = (what & EBR_REDACT_PATHS) ? 1 : 0,
	};
	struct ebr_reader *r = ebr_reader__open(e->in);
	char *out = fx_path(e->dir, name);

	assert_non_null(r);
	assert_int_equal(ebr_capture__redact(r, out, &ro, counts), 0);
	ebr_reader__close(r);
	return out;
}

static void assert_absent(const struct ebr_buf *all, const void *needle, size_t len)
{
	if (w_contains(all->p, all->len, needle, len))
		fail_msg("a redacted value is still in the output: %.*s", (int)len, (const char *)needle);
}

#define ALL (EBR_REDACT_ARGS | EBR_REDACT_PATHS | EBR_REDACT_ADDRESSES)

static void check_secrets_gone(struct env *e, unsigned mode)
{
	struct ebr_buf before = {0}, after = {0};
	struct ebr_redact_counts c;
	char *out = redact(e, mode ? "removed.ebc" : "hashed.ebc", ALL, mode, &c);
	static const char *const secrets[] = { W_SECRET_ARG, "Project-XYZZY", W_SECRET_IP, "hunter2",
					      "XYZZY" };

	w_all_bytes(e->in, &before);
	w_all_bytes(out, &after);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		/* the input does hold them: the search can find what it looks for */
		assert_true(w_contains(before.p, before.len, secrets[i], strlen(secrets[i])));
		assert_absent(&after, secrets[i], strlen(secrets[i]));
	}
	assert_true(w_contains(before.p, before.len, secret_ip, 4));
	assert_absent(&after, secret_ip, 4);
	assert_absent(&after, other_ip, 4);
	/* "*Project-XYZZY*": the pattern itself is not stored either (it spells the secret) */
	assert_true(c.args > 0 && c.paths > 0 && c.addresses > 0);
	assert_int_equal(c.events, e->w.n_events);
	assert_int_equal(c.records_dropped, 0);
	ebr_buf__free(&before);
	ebr_buf__free(&after);
	free(out);
}

static void test_secrets_gone_hash(void **state)
{
	check_secrets_gone(*state, EBR_REDACT_HASH);
}

static void test_secrets_gone_remove(void **state)
{
	check_secrets_gone(*state, EBR_REDACT_REMOVE);
}

static const char *vstr(const struct ebr_event_header *h, const char *field, size_t *len)
{
	const struct ebr_type *t = ebr_schema__type(ebr_schema__builtin(), h->type);

	return ebr_field__str(ebr_type__field(t, field), h, len);
}

#define MAX_PAIRS 64

struct pairs {
	char from[MAX_PAIRS][160], to[MAX_PAIRS][160];
	size_t n;
};

/* equal values must map to equal tokens, and different values to different ones */
static void pair(struct pairs *p, const char *a, size_t alen, const char *b, size_t blen)
{
	char x[160] = {0}, y[160] = {0};

	memcpy(x, a, alen < 159 ? alen : 159);
	memcpy(y, b, blen < 159 ? blen : 159);
	for (size_t i = 0; i < p->n; i++) {
		if (!strcmp(p->from[i], x)) {
			assert_string_equal(p->to[i], y);
			return;
		}
		assert_string_not_equal(p->to[i], y);
	}
	assert_true(p->n < MAX_PAIRS);
	strcpy(p->from[p->n], x);
	strcpy(p->to[p->n++], y);
}

static int is_token(const char *s, size_t len)
{
	return len == 27 && !memcmp(s, "[redacted-", 10) && s[26] == ']';
}

static void test_tokens_and_untouched_fields(void **state)
{
	struct env *e = *state;
	struct ebr_buf a = {0}, b = {0};
	struct pairs paths = {0}, addrs = {0};
	char *out = redact(e, "pairs.ebc", ALL, EBR_REDACT_HASH, NULL);
	struct ebr_reader *ri = ebr_reader__open(e->in), *ro = ebr_reader__open(out);
	size_t n = w_read(ri, 0, 0, NULL, NULL, NULL, &a), hashed_paths = 0, kept_paths = 0;

	assert_int_equal(w_read(ro, 0, 0, NULL, NULL, NULL, &b), n);
	for (size_t oa = 0, ob = 0; oa < a.len; oa += ((struct ebr_event_header *)(a.p + oa))->size,
		    ob += ((struct ebr_event_header *)(b.p + ob))->size) {
		const struct ebr_event_header *x = (const void *)(a.p + oa), *y = (const void *)(b.p + ob);
		const struct ebr_type *t = ebr_schema__type(ebr_schema__builtin(), x->type);

		/* every field but strings and addresses is as it was: header, ports, args, ... */
		assert_int_equal(x->type, y->type);
		for (uint32_t i = 0; i < t->n_fields; i++) {
			const struct ebr_field *f = &t->fields[i];

			if (f->kind == EBR_FK_VSTR || f->kind == EBR_FK_VSTRLIST || f->kind == EBR_FK_IPADDR ||
			    !strcmp(f->name, "size"))
				continue;
			assert_memory_equal((const char *)x + f->offset, (const char *)y + f->offset, f->size);
		}
		if (x->type == EBR_T_OPEN || x->type == EBR_T_READ) {
			size_t la, lb;
			const char *sa = vstr(x, "filename", &la), *sb = vstr(y, "filename", &lb);

			if (w_contains(sa, la, "XYZZY", 5)) {
				assert_true(is_token(sb, lb));
				pair(&paths, sa, la, sb, lb);
				hashed_paths++;
			} else {
				assert_int_equal(la, lb); /* /etc/hosts stays */
				assert_memory_equal(sa, sb, la);
				kept_paths++;
			}
		}
		if (x->type == EBR_T_EXEC) {
			size_t lfa, lfb, laa, lab;
			const char *fa = vstr(x, "filename", &lfa), *fb = vstr(y, "filename", &lfb);
			const char *aa = vstr(x, "args", &laa), *ab = vstr(y, "args", &lab);

			if (w_contains(fa, lfa, "XYZZY", 5)) {
				/* argv[0] is that same path: the same token in both places */
				assert_true(is_token(fb, lfb));
				assert_memory_equal(ab, fb, 27);
				pair(&paths, fa, lfa, fb, lfb);
			} else if (lfa) {
				assert_memory_equal(fa, fb, lfa);
				assert_string_equal(ab, aa); /* argv[0] kept */
			}
			/* every argument after argv[0] is a token */
			if (x->pid != W_SHELL_PID) {
				const char *p = memchr(ab, 0, lab);

				assert_non_null(p);
				assert_true(is_token(p + 1, 27));
				assert_int_equal(p[28], 0);
				assert_true(is_token(p + 29, 27));
				assert_int_equal((size_t)(p + 29 + 27 - ab), lab);
			}
		}
		if (x->type == EBR_T_CONNECT) {
			const struct ebr_net_event *na = (const void *)x, *nb = (const void *)y;
			char t1[16], t2[16];

			/* pseudonyms in 240.0.0.0/4, still IPv4-mapped */
			assert_int_equal(nb->daddr[10], 0xff);
			assert_int_equal(nb->daddr[12] & 0xf0, 0xf0);
			assert_int_equal(nb->saddr[12] & 0xf0, 0xf0);
			snprintf(t1, sizeof(t1), "%u.%u.%u.%u", na->daddr[12], na->daddr[13], na->daddr[14],
				 na->daddr[15]);
			snprintf(t2, sizeof(t2), "%u.%u.%u.%u", nb->daddr[12], nb->daddr[13], nb->daddr[14],
				 nb->daddr[15]);
			pair(&addrs, t1, strlen(t1), t2, strlen(t2));
			snprintf(t1, sizeof(t1), "%u.%u.%u.%u", na->saddr[12], na->saddr[13], na->saddr[14],
				 na->saddr[15]);
			snprintf(t2, sizeof(t2), "%u.%u.%u.%u", nb->saddr[12], nb->saddr[13], nb->saddr[14],
				 nb->saddr[15]);
			pair(&addrs, t1, strlen(t1), t2, strlen(t2));
		}
	}
	assert_true(hashed_paths > 8 && kept_paths > 8);
	assert_int_equal(paths.n, 5); /* notes-0..3 and build.sh */
	assert_int_equal(addrs.n, 3); /* the secret, the other, and 10.0.0.5 */
	ebr_reader__close(ri);
	ebr_reader__close(ro);
	ebr_buf__free(&a);
	ebr_buf__free(&b);
	free(out);
}

/* An address written in an argument gets the pseudonym its field gets. */
static void test_text_address_matches_field(void **state)
{
	struct env *e = *state;
	struct ebr_buf b = {0};
	char *out = redact(e, "addr.ebc", EBR_REDACT_ADDRESSES, EBR_REDACT_HASH, NULL);
	struct ebr_reader *r = ebr_reader__open(out);
	char field_text[40] = "", arg_text[40] = "";

	w_read(r, 0, 0, NULL, NULL, NULL, &b);
	for (size_t off = 0; off < b.len; off += ((struct ebr_event_header *)(b.p + off))->size) {
		const struct ebr_event_header *h = (const void *)(b.p + off);

		if (h->type == EBR_T_CONNECT && (h->pid - W_CHILD_PID0) % 2) {
			const struct ebr_net_event *n = (const void *)h;

			snprintf(field_text, sizeof(field_text), "http://%u.%u.%u.%u/x", n->daddr[12],
				 n->daddr[13], n->daddr[14], n->daddr[15]);
		}
		if (h->type == EBR_T_EXEC && (h->pid - W_CHILD_PID0) % 3 == 1 &&
		    (h->pid - W_CHILD_PID0) % 2) {
			size_t len;
			const char *a = vstr(h, "args", &len);

			/* argv: /usr/bin/curl -s http://A.B.C.D/x */
			a += strlen(a) + 1;
			a += strlen(a) + 1;
			snprintf(arg_text, sizeof(arg_text), "%s", a);
		}
	}
	assert_true(field_text[0] != 0);
	assert_string_equal(arg_text, field_text);
	ebr_reader__close(r);
	ebr_buf__free(&b);
	free(out);
}

static const char *meta_text(struct ebr_reader *r, unsigned kind, int nth)
{
	for (size_t i = 0; i < ebr_reader__meta_count(r); i++) {
		const void *data;
		unsigned k;
		size_t len;

		ebr_reader__meta(r, i, &k, &data, &len);
		if (k == kind && nth-- == 0)
			return data;
	}
	return NULL;
}

static void test_metadata(void **state)
{
	struct env *e = *state;
	char *out = redact(e, "meta.ebc", ALL | EBR_REDACT_ENV, EBR_REDACT_HASH, NULL);
	struct ebr_reader *r = ebr_reader__open(out), *in = ebr_reader__open(e->in);
	struct ebr_buf procs = {0}, cgroups = {0};
	const char *note = meta_text(r, EBR_META_NOTE, 0), *config = meta_text(r, EBR_META_CONFIG, 0);
	const char *derived = meta_text(r, EBR_META_DERIVED, 0);
	char source[80];

	/* the traced command keeps its name; everything after it is a token */
	assert_non_null(note);
	assert_memory_equal(note, "ebpfrec record -o w.ebc -- /usr/bin/tool [redacted-", 51);
	assert_int_equal(strlen(note), strlen("ebpfrec record -o w.ebc -- /usr/bin/tool ") + 4 * 27 + 3);
	/* JSON strings are decoded, redacted and encoded again; the rest is as it was */
	assert_non_null(config);
	assert_true(!strncmp(config, "{\"families\":[\"process\"],\"output\":\"[redacted-",
			     strlen("{\"families\":[\"process\"],\"output\":\"[redacted-")));
	assert_non_null(strstr(config, "\",\"peer\":\"24"));
	/* what was redacted, and nothing of how to find it */
	assert_non_null(derived);
	snprintf(source, sizeof(source), "\"source\":\"%s\"", ebr_reader__info(in)->uuid_str);
	assert_non_null(strstr(derived, "{\"op\":\"redact\""));
	assert_non_null(strstr(derived, source));
	assert_non_null(strstr(derived, "\"args\":\"all but argv[0]\""));
	assert_non_null(strstr(derived, "\"path_patterns\":1,"));
	assert_non_null(strstr(derived, "\"env\":\"requested;"));
	assert_null(strstr(derived, "XYZZY"));
	/* the snapshot and the cgroup table are redacted too */
	assert_int_equal(w_meta_records(r, EBR_META_PROCS, &procs), 3);
	for (size_t off = 0; off < procs.len; off += ((struct ebr_event_header *)(procs.p + off))->size) {
		const struct ebr_proc_info *p = (const void *)(procs.p + off);
		const char *cmd = procs.p + off + p->cmdline.off;

		if (p->hdr.pid == W_SHELL_PID) {
			assert_string_equal(cmd, "-bash"); /* argv[0] */
			assert_true(is_token(cmd + 6, 27));
			assert_true(is_token(cmd + 34, 27));
			assert_string_equal(procs.p + off + p->exe.off, "/usr/bin/bash");
		}
	}
	assert_int_equal(w_meta_records(r, EBR_META_CGROUPS, &cgroups), 4);
	assert_true(w_contains(cgroups.p, cgroups.len, "/system.slice/ssh.service", 25));
	ebr_reader__close(r);
	ebr_reader__close(in);
	ebr_buf__free(&procs);
	ebr_buf__free(&cgroups);
	free(out);
}

/* --env alone changes no value, and says so. */
static void test_env_only(void **state)
{
	struct env *e = *state;
	struct ebr_redact_counts c;
	char *out = redact(e, "env.ebc", EBR_REDACT_ENV, EBR_REDACT_HASH, &c);
	struct ebr_reader *ri = ebr_reader__open(e->in), *ro = ebr_reader__open(out);
	struct ebr_buf a = {0}, b = {0};

	assert_int_equal(c.args + c.paths + c.addresses, 0);
	w_read(ri, 0, 0, NULL, NULL, NULL, &a);
	w_read(ro, 0, 0, NULL, NULL, NULL, &b);
	/* records are rebuilt, yet equal: strings follow the fixed part in field order */
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	assert_non_null(strstr(meta_text(ro, EBR_META_DERIVED, 0), "\"env\":\"requested;"));
	assert_string_equal(meta_text(ro, EBR_META_NOTE, 0), meta_text(ri, EBR_META_NOTE, 0));
	ebr_reader__close(ri);
	ebr_reader__close(ro);
	ebr_buf__free(&a);
	ebr_buf__free(&b);
	free(out);
}

static const char *run(struct ebr_redactor *rd, const char *s)
{
	static char buf[512];
	size_t n;
	const char *v = ebr_redact__string(rd, s, strlen(s), &n);

	assert_non_null(v);
	assert_true(n < sizeof(buf));
	memcpy(buf, v, n);
	buf[n] = 0;
	return buf;
}

static void test_string_rules(void **state)
{
	static const char *const g[] = { "/home/alice/*" };
	struct ebr_redact_opts o = { .sz = sizeof(o), .what = EBR_REDACT_PATHS | EBR_REDACT_ADDRESSES,
				     .key = key, .path_globs = g, .n_path_globs = 1 };
	struct ebr_redactor *rd = ebr_redactor__new(NULL, &o);
	char tok[40];
	const char *s;

	(void)state;
	assert_non_null(rd);
	strcpy(tok, run(rd, "/home/alice/x.conf"));
	assert_true(is_token(tok, strlen(tok)));
	/* a path inside a longer string: only the path is replaced, with the same token */
	s = run(rd, "--config=/home/alice/x.conf,ro");
	assert_memory_equal(s, "--config=", 9);
	assert_memory_equal(s + 9, tok, 27);
	assert_string_equal(s + 36, ",ro");
	assert_string_equal(run(rd, "/home/bob/x.conf"), "/home/bob/x.conf");
	assert_string_equal(run(rd, "/etc:/home/alice"), "/etc:/home/alice"); /* no match */
	/* addresses: replaced where they stand, loopback and versions left alone */
	s = run(rd, "ping 10.1.2.3 and host:10.1.2.3.");
	assert_memory_equal(s, "ping 24", 7);
	{
		char a[20], b[20];

		sscanf(s, "ping %19s and host:%19s", a, b);
		b[strlen(b) - 1] = 0; /* the sentence's full stop */
		assert_string_equal(a, b);
	}
	assert_string_equal(run(rd, "127.0.0.1 0.0.0.0 ::1 :: v1.2.3.4 1.2.3.4.5 12:30:45"),
			    "127.0.0.1 0.0.0.0 ::1 :: v1.2.3.4 1.2.3.4.5 12:30:45");
	s = run(rd, "ssh [2001:db8::17]:22 fe80::1%eth0");
	assert_memory_equal(s, "ssh [100::", 10);
	assert_non_null(strstr(s, "%eth0"));
	assert_null(strstr(s, "2001:db8"));
	assert_null(strstr(s, "fe80"));
	/* an IPv4 address written as IPv6 gets the same pseudonym, in IPv6 form */
	{
		char v4[32], v6[48];

		strcpy(v4, run(rd, "192.0.2.1"));
		strcpy(v6, run(rd, "::ffff:192.0.2.1"));
		assert_memory_equal(v6, "::ffff:", 7);
		assert_string_equal(v6 + 7, v4);
	}
	ebr_redactor__free(rd);
	/* a path option without a pattern is refused */
	o.n_path_globs = 0;
	assert_null(ebr_redactor__new(NULL, &o));
	assert_int_equal(errno, EINVAL);
}

static void test_command_line_remove_mode(void **state)
{
	struct ebr_redact_opts o = { .sz = sizeof(o), .what = EBR_REDACT_ARGS, .mode = EBR_REDACT_REMOVE,
				     .key = key };
	struct ebr_redactor *rd = ebr_redactor__new(NULL, &o);
	static const char cl[] = "ebpfrec record -o t.ebc -- ./tool --user bob --pass s3cr3t";
	struct ebr_buf b = {0};

	(void)state;
	assert_int_equal(ebr_redactor__text(rd, EBR_META_NOTE, cl, strlen(cl), &b), 1);
	ebr_buf__put(&b, "", 1);
	assert_string_equal(b.p, "ebpfrec record -o t.ebc -- ./tool");
	assert_int_equal(ebr_redactor__counts(rd)->args, 4);
	/* not a text kind: left to the caller */
	b.len = 0;
	assert_int_equal(ebr_redactor__text(rd, EBR_META_PROCS, cl, strlen(cl), &b), 0);
	ebr_buf__free(&b);
	ebr_redactor__free(rd);
}

/* A segment's buffer redacts to what its records redact to one by one. */
static void test_buffer(void **state)
{
	struct env *e = *state;
	struct ebr_redact_opts o = { .sz = sizeof(o), .what = ALL, .key = key, .path_globs = globs,
				     .n_path_globs = 1 };
	struct ebr_redactor *one = ebr_redactor__new(NULL, &o), *all = ebr_redactor__new(NULL, &o);
	struct ebr_reader *r = ebr_reader__open(e->in);
	struct ebr_buf in = {0}, a = {0}, b = {0};
	size_t n = w_read(r, 0, 0, NULL, NULL, NULL, &in);

	for (size_t off = 0; off < in.len; off += ((struct ebr_event_header *)(in.p + off))->size)
		assert_int_equal(ebr_redactor__record(one, (const void *)(in.p + off), &a), 1);
	assert_int_equal(ebr_redactor__buffer(all, in.p, in.len, &b), (int)n);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	assert_memory_equal(ebr_redactor__counts(one), ebr_redactor__counts(all),
			    sizeof(struct ebr_redact_counts));
	/* broken framing is refused, not guessed at */
	((struct ebr_event_header *)in.p)->size = 12;
	assert_int_equal(ebr_redactor__buffer(all, in.p, in.len, &b), -EINVAL);
	ebr_redactor__free(one);
	ebr_redactor__free(all);
	ebr_reader__close(r);
	ebr_buf__free(&in);
	ebr_buf__free(&a);
	ebr_buf__free(&b);
}

/* Records no schema describes cannot be searched for strings: they are left out. */
static void test_unknown_types_dropped(void **state)
{
	struct env *e = *state;
	struct fx_opts fo = { .n_records = 400, .per_segment = 100, .seed = 3, .with_unknown = 1 };
	struct fx_capture fc;
	char *in = fx_path(e->dir, "unknown.ebc"), *out = fx_path(e->dir, "unknown-r.ebc");
	struct ebr_redact_opts ro = { .sz = sizeof(ro), .what = EBR_REDACT_ARGS, .key = key };
	struct ebr_redact_counts c;
	struct ebr_reader *r;
	struct ebr_buf b = {0};
	size_t unknown = 0;

	assert_int_equal(fx_capture__build(&fc, in, &fo), 0);
	for (size_t i = 0; i < fc.n_records; i++)
		unknown += ((struct ebr_event_header *)(fc.recs.p + fc.rec_off[i]))->type == FX_UNKNOWN_TYPE;
	assert_true(unknown > 0);
	r = ebr_reader__open(in);
	assert_int_equal(ebr_capture__redact(r, out, &ro, &c), 0);
	ebr_reader__close(r);
	assert_int_equal(c.records_dropped, unknown);
	assert_int_equal(c.events, fc.n_records - unknown);
	r = ebr_reader__open(out);
	assert_int_equal(w_read(r, 0, 0, NULL, NULL, NULL, &b), fc.n_records - unknown);
	assert_int_equal(ebr_reader__type_count(r, FX_UNKNOWN_TYPE), 0);
	ebr_reader__close(r);
	ebr_buf__free(&b);
	fx_capture__free(&fc);
	free(in);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secrets_gone_hash),
		cmocka_unit_test(test_secrets_gone_remove),
		cmocka_unit_test(test_tokens_and_untouched_fields),
		cmocka_unit_test(test_text_address_matches_field),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_env_only),
		cmocka_unit_test(test_string_rules),
		cmocka_unit_test(test_command_line_remove_mode),
		cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_unknown_types_dropped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
