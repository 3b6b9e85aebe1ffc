// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The load-and-attach test: every family's programs loaded and attached
 * exactly as `ebpfrec record` does (same loader, same configuration), each
 * program's outcome kept, then everything detached. When the kernel refuses
 * a program, the verifier's own words are the reason given.
 */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "doctor.h"
#include "ebpfrec/recorder.h"
#include "events.h"
#include "families.h"
#include "internal.h"
#include "probes.h"

#define TEST_RINGBUF_SIZE (16u << 20) /* what `ebpfrec record` uses by default */

struct verifier_notes {
	struct {
		char prog[64];
		char reason[256];
	} v[DOCTOR_MAX_PROBES];
	size_t n;
	char map_error[256]; /* the first map the kernel would not create */
};

/* libbpf's print hook takes no context pointer: the notes of the test in progress. */
static struct verifier_notes *active_notes;
static libbpf_print_fn_t chained_print;
static int forward_print;

static char *note_for(struct verifier_notes *vn, const char *prog, size_t prog_len)
{
	for (size_t i = 0; i < vn->n; i++)
		if (strlen(vn->v[i].prog) == prog_len && !strncmp(vn->v[i].prog, prog, prog_len))
			return vn->v[i].reason;
	if (vn->n == DOCTOR_MAX_PROBES || prog_len >= sizeof(vn->v[0].prog))
		return NULL;
	memcpy(vn->v[vn->n].prog, prog, prog_len);
	vn->v[vn->n].prog[prog_len] = 0;
	vn->v[vn->n].reason[0] = 0;
	return vn->v[vn->n++].reason;
}

/*
 * libbpf reports a refused program as "libbpf: prog 'NAME': BPF program load
 * failed: ERR" and then "libbpf: prog 'NAME': -- BEGIN PROG LOAD LOG --\n...
 * -- END PROG LOAD LOG --".
 */
static void take_note(struct verifier_notes *vn, const char *msg)
{
	static const char begin[] = "-- BEGIN PROG LOAD LOG --\n", end_mark[] = "-- END PROG LOAD LOG --";
	const char *name, *q, *log, *end;
	char *note;

	if (!strncmp(msg, "libbpf: ", 8))
		msg += 8;
	if (!strncmp(msg, "map '", 5) && strstr(msg, "failed to create") && !vn->map_error[0]) {
		snprintf(vn->map_error, sizeof(vn->map_error), "%.*s", (int)strcspn(msg, "\n"), msg);
		return;
	}
	if (strncmp(msg, "prog '", 6))
		return;
	name = msg + 6;
	q = strchr(name, '\'');
	if (!q)
		return;
	note = note_for(vn, name, (size_t)(q - name));
	if (!note)
		return;
	log = strstr(q, begin);
	if (log) {
		char why[256];

		log += sizeof(begin) - 1;
		end = strstr(log, end_mark);
		doctor__verifier_reason(log, end ? (size_t)(end - log) : strlen(log), why, sizeof(why));
		if (why[0])
			snprintf(note, sizeof(vn->v[0].reason), "verifier: %.240s", why);
		return;
	}
	q = strstr(q, "BPF program load failed: ");
	if (q && !note[0])
		snprintf(note, sizeof(vn->v[0].reason), "%.*s", (int)strcspn(q, "\n"), q);
}

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	va_list copy;
	int ret = 0;

	va_copy(copy, ap);
	/* the whole message: the reason is at the end of a log that can be long */
	if (level == LIBBPF_WARN && active_notes && vasprintf(&msg, fmt, copy) >= 0)
		take_note(active_notes, msg);
	va_end(copy);
	free(msg);
	if (forward_print && chained_print)
		ret = chained_print(level, fmt, ap);
	return ret;
}

static const struct rec_object *object_of(unsigned main_family)
{
	for (size_t i = 0; i < rec_n_objects; i++)
		if (rec_objects[i].main_family == main_family)
			return &rec_objects[i];
	return NULL;
}

static void explain(struct doctor_report *r, struct doctor_probe *dp, struct verifier_notes *vn,
		    const char *message)
{
	char *note = NULL;

	if (!dp->err) {
		snprintf(dp->reason, sizeof(dp->reason), "attached");
		return;
	}
	for (size_t i = 0; i < vn->n && !note; i++)
		if (!strcmp(vn->v[i].prog, dp->name) && vn->v[i].reason[0])
			note = vn->v[i].reason;
	if (dp->err == -EPERM && r->missing_caps[0])
		snprintf(dp->reason, sizeof(dp->reason), "%s: without %s (or CAP_SYS_ADMIN)",
			 strerror(EPERM), r->missing_caps);
	else if (note)
		snprintf(dp->reason, sizeof(dp->reason), "%s; %s", strerror(-dp->err), note);
	else if (vn->map_error[0])
		snprintf(dp->reason, sizeof(dp->reason), "%s", vn->map_error);
	else
		snprintf(dp->reason, sizeof(dp->reason), "%s", message[0] ? message : strerror(-dp->err));
}

static void collect(struct doctor_report *r, const struct rec_probes *p, struct verifier_notes *vn)
{
	const char *at = p->status.p, *end = p->status.p + p->status.len;

	while (at && at + sizeof(struct ebr_probe_status) <= end && r->n_probes < DOCTOR_MAX_PROBES) {
		const struct ebr_probe_status *s = (const void *)at;
		const struct rec_object *ro = object_of(s->family);
		struct doctor_probe *dp = &r->probes[r->n_probes++];

		if (s->hdr.size < sizeof(*s) || at + s->hdr.size > end)
			break;
		memset(dp, 0, sizeof(*dp));
		dp->family = s->family;
		dp->serves = ro ? ro->families : EBR_FAMILY_BIT(s->family);
		ebr_strlcpy(dp->object, ro ? ro->name : "?", sizeof(dp->object));
		snprintf(dp->name, sizeof(dp->name), "%.*s", s->name.len, at + s->name.off);
		snprintf(dp->attach_point, sizeof(dp->attach_point), "%.*s", s->attach_point.len,
			 at + s->attach_point.off);
		dp->err = s->err;
		{
			char message[256];

			snprintf(message, sizeof(message), "%.*s", s->message.len, at + s->message.off);
			explain(r, dp, vn, message);
		}
		at += s->hdr.size;
	}
}

static void summarize(struct doctor_report *r, unsigned families)
{
	for (unsigned f = 1; f < EBR_FAM_NR && r->n_families < DOCTOR_MAX_FAMILIES; f++) {
		struct doctor_family *df;

		if (!(families & EBR_FAMILY_BIT(f)))
			continue;
		df = &r->families[r->n_families++];
		memset(df, 0, sizeof(*df));
		df->family = f;
		for (size_t i = 0; i < r->n_probes; i++)
			if (r->probes[i].serves & EBR_FAMILY_BIT(f)) {
				if (r->probes[i].err)
					df->failed++;
				else
					df->attached++;
			}
		df->status = !df->attached ? DOCTOR_FAIL : df->failed ? DOCTOR_WARN : DOCTOR_OK;
	}
}

void doctor__probe_test(struct doctor_report *r, unsigned families, int verbose)
{
	struct ebr_bpf_config cfg = {
		.self_pid = (uint32_t)getpid(),
		.max_args_size = EBR_MAX_ARGS_SIZE,
		.max_path_size = EBR_MAX_PATH_SIZE,
		.families = families,
		.wakeup_bytes = TEST_RINGBUF_SIZE / 8,
	};
	struct rec_probe_opts po = {
		.families = families,
		.ringbuf_size = TEST_RINGBUF_SIZE,
		.cfg = &cfg,
	};
	struct verifier_notes *vn = calloc(1, sizeof(*vn));
	struct rec_probes p;
	int failed = 0;

	r->probes_tested = 1;
	if (!vn) {
		r->probe_err = -ENOMEM;
		return;
	}
	active_notes = vn;
	forward_print = verbose;
	chained_print = libbpf_set_print(capture_print);
	rec_probes__init(&p);
	r->probe_err = rec_probes__load(&p, &po);
	collect(r, &p, vn);
	rec_probes__close(&p);
	libbpf_set_print(chained_print);
	active_notes = NULL;
	free(vn);

	summarize(r, families);
	r->can_record = r->probe_err == 0;
	for (size_t i = 0; i < r->n_probes; i++)
		failed += r->probes[i].err != 0;
	if (r->can_record && !failed)
		return;
	if (r->missing_caps[0])
		snprintf(r->probe_fix, sizeof(r->probe_fix), "see privileges above");
	else if (r->can_record)
		snprintf(r->probe_fix, sizeof(r->probe_fix),
			 "ebpfrec records without the failed programs; `ebpfrec doctor -v` shows the verifier's full log");
	else
		snprintf(r->probe_fix, sizeof(r->probe_fix),
			 "see the reasons above; `ebpfrec doctor -v` shows the verifier's full log");
}
