// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cli_util.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "status.h"

void rec_snapshot__take(struct rec_snapshot *s, struct ebr_recorder *r, const struct rec_snapshot *prev,
			double elapsed_s)
{
	const struct ebr_recorder_stats *st = ebr_recorder__stats(r);
	const char *cur = ebr_recorder__current_file(r);

	s->pid = (uint32_t)getpid();
	if (cur)
		snprintf(s->current_file, sizeof(s->current_file), "%s", cur);
	s->elapsed_s = elapsed_s;
	s->events = st->events;
	s->raw_bytes = st->bytes;
	s->file_bytes = st->file_bytes;
	s->files = st->files;
	memcpy(s->drops, st->drops, sizeof(s->drops));
	memcpy(s->by_family, st->events_by_family, sizeof(s->by_family));
	s->ring_fill = ebr_recorder__ring_fill(r);
	s->probes_attached = st->probes_attached;
	s->probes_failed = st->probes_failed;
	ebr_recorder__health(r, &s->health);
	if (prev && elapsed_s > prev->elapsed_s)
		s->rate = (double)(s->events - prev->events) / (elapsed_s - prev->elapsed_s);
	else
		s->rate = elapsed_s > 0 ? (double)s->events / elapsed_s : 0;
}

static uint64_t lost(const struct rec_snapshot *s)
{
	uint64_t n = 0;

	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		if (d != EBR_DROP_TRUNCATED && d != EBR_DROP_FILTERED_KERNEL && d != EBR_DROP_FILTERED_USER)
			n += s->drops[d];
	return n;
}

void rec_snapshot__line(const struct rec_snapshot *s, char *buf, size_t len)
{
	char written[32], fill[16];
	unsigned secs = (unsigned)s->elapsed_s;

	human_bytes(s->file_bytes, written, sizeof(written));
	if (s->ring_fill >= 0)
		snprintf(fill, sizeof(fill), "%.0f%%", s->ring_fill * 100);
	else
		snprintf(fill, sizeof(fill), "-");
	snprintf(buf, len,
		 "%02u:%02u:%02u  %llu events  %.0f/s  lost %llu  limited %llu  filtered %llu  ring %s  "
		 "%s written (%.1fx)  %s",
		 secs / 3600, secs / 60 % 60, secs % 60, (unsigned long long)s->events, s->rate,
		 (unsigned long long)lost(s), (unsigned long long)s->drops[EBR_DROP_RATE_LIMITED],
		 (unsigned long long)(s->drops[EBR_DROP_FILTERED_KERNEL] + s->drops[EBR_DROP_FILTERED_USER]),
		 fill, written, s->file_bytes ? (double)s->raw_bytes / (double)s->file_bytes : 0.0,
		 ebr_health_status__name(s->health.status));
}

static struct json_object *to_json(const struct rec_snapshot *s)
{
	struct json_object *o = json_object_new_object(), *drops = json_object_new_object();
	struct json_object *fams = json_object_new_object(), *h = json_object_new_object();
	struct json_object *issues = json_object_new_array();

	json_object_object_add(o, "pid", json_object_new_int64(s->pid));
	json_object_object_add(o, "output", json_object_new_string(s->output));
	json_object_object_add(o, "current_file", json_object_new_string(s->current_file));
	json_object_object_add(o, "started_wall_ns", json_object_new_int64((int64_t)s->started_wall_ns));
	json_object_object_add(o, "proc_start_ticks", json_object_new_int64((int64_t)s->proc_start_ticks));
	json_object_object_add(o, "elapsed_s", json_object_new_double(s->elapsed_s));
	json_object_object_add(o, "events", json_object_new_int64((int64_t)s->events));
	json_object_object_add(o, "events_per_s", json_object_new_double(s->rate));
	json_object_object_add(o, "raw_bytes", json_object_new_int64((int64_t)s->raw_bytes));
	json_object_object_add(o, "file_bytes", json_object_new_int64((int64_t)s->file_bytes));
	json_object_object_add(o, "files", json_object_new_int64((int64_t)s->files));
	json_object_object_add(o, "ring_fill", json_object_new_double(s->ring_fill));
	json_object_object_add(o, "probes_attached", json_object_new_int(s->probes_attached));
	json_object_object_add(o, "probes_failed", json_object_new_int(s->probes_failed));
	json_object_object_add(o, "final", json_object_new_boolean(s->final));
	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		json_object_object_add(drops, ebr_drop_reason__name(d), json_object_new_int64((int64_t)s->drops[d]));
	json_object_object_add(o, "drops", drops);
	for (unsigned f = 1; f < 8; f++)
		if (s->by_family[f])
			json_object_object_add(fams, ebr_family__name(f), json_object_new_int64((int64_t)s->by_family[f]));
	json_object_object_add(o, "events_by_family", fams);
	json_object_object_add(h, "status", json_object_new_string(ebr_health_status__name(s->health.status)));
	json_object_object_add(h, "programs_loaded", json_object_new_int((int)s->health.programs_loaded));
	json_object_object_add(h, "programs_healthy", json_object_new_int((int)s->health.programs_healthy));
	for (unsigned i = 0; i < s->health.n_issues; i++) {
		const struct ebr_health_issue *is = &s->health.issues[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "severity", json_object_new_string(is->severity == EBR_ISSUE_ERROR ? "error" :
									     is->severity == EBR_ISSUE_WARNING ? "warning" : "info"));
		json_object_object_add(j, "component", json_object_new_string(is->component));
		json_object_object_add(j, "message", json_object_new_string(is->message));
		json_object_object_add(j, "since_ns", json_object_new_int64((int64_t)is->since_ns));
		json_object_array_add(issues, j);
	}
	json_object_object_add(h, "issues", issues);
	json_object_object_add(o, "health", h);
	return o;
}

void rec_snapshot__print_json(const struct rec_snapshot *s, FILE *out)
{
	struct json_object *o = to_json(s);

	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

int rec_snapshot__save(const struct rec_snapshot *s, const char *path)
{
	struct json_object *o = to_json(s);
	char tmp[600];
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || write(fd, "\n", 1) != 1)
		err = -errno;
	if (fd >= 0 && close(fd) && !err)
		err = -errno;
	/* readers see the old file or the new one, never half of one */
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	json_object_put(o);
	return err;
}

static uint64_t get_u64(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

static double get_d(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) : 0;
}

static void get_s(struct json_object *o, const char *k, char *buf, size_t len)
{
	struct json_object *v;

	buf[0] = 0;
	if (json_object_object_get_ex(o, k, &v))
		snprintf(buf, len, "%s", json_object_get_string(v));
}

int rec_snapshot__load(struct rec_snapshot *s, const char *path)
{
	struct json_object *o = json_object_from_file(path), *d, *h, *issues;
	char status[32];

	if (!o)
		return -ENOENT;
	memset(s, 0, sizeof(*s));
	s->pid = (uint32_t)get_u64(o, "pid");
	get_s(o, "output", s->output, sizeof(s->output));
	get_s(o, "current_file", s->current_file, sizeof(s->current_file));
	s->started_wall_ns = get_u64(o, "started_wall_ns");
	s->proc_start_ticks = get_u64(o, "proc_start_ticks");
	s->elapsed_s = get_d(o, "elapsed_s");
	s->rate = get_d(o, "events_per_s");
	s->events = get_u64(o, "events");
	s->raw_bytes = get_u64(o, "raw_bytes");
	s->file_bytes = get_u64(o, "file_bytes");
	s->files = get_u64(o, "files");
	s->ring_fill = get_d(o, "ring_fill");
	s->probes_attached = (unsigned)get_u64(o, "probes_attached");
	s->probes_failed = (unsigned)get_u64(o, "probes_failed");
	s->final = (int)get_u64(o, "final");
	if (json_object_object_get_ex(o, "drops", &d))
		for (unsigned r = 0; r < EBR_DROP_NR; r++)
			s->drops[r] = get_u64(d, ebr_drop_reason__name(r));
	if (json_object_object_get_ex(o, "events_by_family", &d))
		for (unsigned f = 1; f < 8; f++)
			s->by_family[f] = get_u64(d, ebr_family__name(f));
	if (json_object_object_get_ex(o, "health", &h)) {
		get_s(h, "status", status, sizeof(status));
		s->health.status = !strcmp(status, "unhealthy") ? EBR_UNHEALTHY :
				   !strcmp(status, "degraded") ? EBR_DEGRADED : EBR_HEALTHY;
		s->health.programs_loaded = (unsigned)get_u64(h, "programs_loaded");
		s->health.programs_healthy = (unsigned)get_u64(h, "programs_healthy");
		if (json_object_object_get_ex(h, "issues", &issues))
			for (size_t i = 0; i < json_object_array_length(issues) && i < EBR_HEALTH_MAX_ISSUES; i++) {
				struct json_object *j = json_object_array_get_idx(issues, i);
				struct ebr_health_issue *is = &s->health.issues[s->health.n_issues++];
				char sev[16];

				get_s(j, "severity", sev, sizeof(sev));
				is->severity = !strcmp(sev, "error") ? EBR_ISSUE_ERROR :
					       !strcmp(sev, "warning") ? EBR_ISSUE_WARNING : EBR_ISSUE_INFO;
				get_s(j, "component", is->component, sizeof(is->component));
				get_s(j, "message", is->message, sizeof(is->message));
				is->since_ns = get_u64(j, "since_ns");
			}
	}
	json_object_put(o);
	return 0;
}

uint64_t rec_proc_start_ticks(uint32_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may hold spaces and parentheses: fields are counted after its last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &ticks) != 1)
		return 0;
	return ticks;
}

int rec_snapshot__is_live(const struct rec_snapshot *s)
{
	uint64_t now = rec_proc_start_ticks(s->pid);

	if (!now)
		return 0; /* no such process (or no /proc: nothing to show) */
	/* a file from before this field existed cannot be checked: the pid being alive must do */
	return !s->proc_start_ticks || s->proc_start_ticks == now;
}
