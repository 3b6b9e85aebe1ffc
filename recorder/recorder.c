// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A recording session. The drain callback copies each record into the open
 * segment buffer and returns: no decoding, no formatting, no allocation.
 * Segments are closed by size or age and handed to the writer thread.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "ebpfrec/recorder.h"
#include "ebpfrec/schema.h"
#include "cgroups.h"
#include "clock.h"
#include "custom.h"
#include "health.h"
#include "internal.h"
#include "kfilter.h"
#include "maps.h"
#include "probes.h"
#include "procsnap.h"
#include "recorder_internal.h"
#include "seg_queue.h"

#define DEFAULT_RINGBUF (16u << 20)
/* 1 MiB compresses as well as 4 (13.7 vs 13.6 B/event) with a quarter of the buffers */
#define DEFAULT_SEGMENT (1u << 20)
#define DEFAULT_SEGMENT_MS 1000
#define SEGMENT_BUFFERS 4
#define DRAIN_INTERVAL_MS 10 /* batched wakeups: the longest an event waits in the ring */
/*
 * Low latency: the longest an event waits in the ring while events flow.
 * A quarter of the 1 ms target leaves the rest for waking the subscriber;
 * 4,000 drains/s cost a few % of a CPU.
 */
#define LL_INTERVAL_US 250
#define LL_INTERVAL_MIN_US 10
#define LL_INTERVAL_MAX_US 100000

struct ebr_recorder {
	struct ebr_recorder_opts o;
	char *output, *config_json, *command_line;
	struct rec_probes probes;
	struct ring_buffer *rb;
	struct seg_queue q;
	int q_ready;
	struct seg_buf *cur;
	uint64_t seg_opened_ns;
	struct ebr_writer *w;
	uint64_t user_drops[EBR_DROP_NR];
	uint64_t *drop_slots; /* [EBR_DROP_NR * EBR_DROP_TYPE_SLOTS] */
	uint64_t by_type[EBR_T_MAX + 1];
	struct ebr_recorder_stats stats;
	struct rec_cgroups cgroups;
	const struct ebr_filter *filter; /* the part the kernel cannot decide */
	/*
	 * A filter on container, pod, ... resolves through the live cgroup
	 * table: the recorder recompiles the caller's (user_filter) into its
	 * own whenever new cgroups appear, so a container started later is
	 * matched too; kcgroups is the set pushed into the kernel for it.
	 */
	const struct ebr_filter *user_filter;
	struct ebr_filter *own_filter;
	struct rec_cgroup_table live;
	pthread_mutex_t live_mu; /* live.recs: the writer thread copies it at rotation */
	uint64_t next_rescan_ns;
	uint64_t *kcgroups;
	size_t n_kcgroups;
	uint64_t user_drop_slots[EBR_DROP_TYPE_SLOTS]; /* filtered in the recorder, by type */
	int following; /* the kernel pid set is a followed tree, not the filter's */
	/* rotation: written by the writer thread once started */
	char *path; /* the file being written */
	uint8_t set_uuid[16];
	uint32_t file_index;
	uint64_t file_opened_ns;
	uint64_t closed_bytes; /* of files already completed */
	char **kept; /* rotated files still on disk, oldest first */
	size_t n_kept;
	struct rec_health health;
	struct rec_custom custom[8];
	size_t n_custom;
	struct ebr_schema *schema; /* builtin plus custom types; NULL: builtin only */
	char *scratch; /* a custom record wrapped in our header, when there is no segment to build it in */
	struct ebr_redactor *redactor; /* NULL: nothing redacted */
	struct ebr_buf redacted; /* the writer thread's: a segment after redaction */
	struct ebr_buf redacted_meta; /* metadata after redaction (start, rotation, stop: never concurrent) */
	void (*tap)(void *ctx, const struct ebr_event_header *rec); /* live subscribers */
	void *tap_ctx;
	uint64_t ll_last_drain_ns; /* low latency: CLOCK_MONOTONIC of the last drain */
	int ll_flowing; /* low latency: the last drain found events */
	/* rt_priority: the polling thread made SCHED_FIFO, and what it was before */
	pthread_t rt_thread;
	int rt_state; /* 0 not tried, 1 switched, -1 refused */
	int rt_old_policy;
	struct sched_param rt_old_param;
	int started, stopped;
};

/* how often a filter on containers looks for new cgroups: a walk of the tree, ~ms */
#define RESCAN_NS 1000000000ULL

static int is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

struct ebr_recorder *ebr_recorder__new(const struct ebr_recorder_opts *opts)
{
	struct ebr_recorder *r = calloc(1, sizeof(*r));

	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	if (opts)
		memcpy(&r->o, opts, opts->sz && opts->sz < sizeof(r->o) ? opts->sz : sizeof(r->o));
	if (!r->o.families)
		r->o.families = EBR_FAMILIES_DEFAULT;
	if (!r->o.ringbuf_size)
		r->o.ringbuf_size = DEFAULT_RINGBUF;
	if (!r->o.segment_size)
		r->o.segment_size = DEFAULT_SEGMENT;
	if (!r->o.segment_ms)
		r->o.segment_ms = DEFAULT_SEGMENT_MS;
	if (!r->o.max_args_size)
		r->o.max_args_size = 1024;
	if (!r->o.max_path_size)
		r->o.max_path_size = 256;
	if (!r->o.drain_ms)
		r->o.drain_ms = DRAIN_INTERVAL_MS;
	if (!r->o.drain_interval_us)
		r->o.drain_interval_us = LL_INTERVAL_US;
	/* files are cut at segment boundaries: keep those frequent enough for -G to be on time */
	if (r->o.rotate_seconds && r->o.segment_ms > 250)
		r->o.segment_ms = 250;
	if (!is_pow2(r->o.ringbuf_size) || r->o.ringbuf_size < 4096) {
		pr_err("ring buffer size %u is not a power of two of at least 4096 bytes", r->o.ringbuf_size);
		goto inval;
	}
	if (r->o.segment_size < 65536 || r->o.segment_size > (64u << 20)) {
		pr_err("segment size %u is outside 64 KiB .. 64 MiB", r->o.segment_size);
		goto inval;
	}
	if (r->o.drain_interval_us < LL_INTERVAL_MIN_US || r->o.drain_interval_us > LL_INTERVAL_MAX_US) {
		pr_err("drain interval %u us is outside %u us .. %u ms", r->o.drain_interval_us,
		       LL_INTERVAL_MIN_US, LL_INTERVAL_MAX_US / 1000);
		goto inval;
	}
	if (r->o.rt_priority < 0 || r->o.rt_priority > 99) {
		pr_err("real-time priority %d is outside 1 .. 99 (0: none)", r->o.rt_priority);
		goto inval;
	}
	if (r->o.max_args_size > EBR_MAX_ARGS_SIZE || r->o.max_path_size > EBR_MAX_PATH_SIZE) {
		pr_err("argument and path limits are at most %u bytes", EBR_MAX_ARGS_SIZE);
		goto inval;
	}
	r->output = r->o.output ? strdup(r->o.output) : NULL; /* NULL: subscribers only, no file */
	r->config_json = r->o.config_json ? strdup(r->o.config_json) : NULL;
	r->command_line = r->o.command_line ? strdup(r->o.command_line) : NULL;
	r->drop_slots = calloc((size_t)EBR_DROP_NR * EBR_DROP_TYPE_SLOTS, sizeof(*r->drop_slots));
	if ((r->o.output && !r->output) || !r->drop_slots) {
		ebr_recorder__free(r);
		errno = ENOMEM;
		return NULL;
	}
	rec_probes__init(&r->probes);
	pthread_mutex_init(&r->live_mu, NULL);
	return r;
inval:
	free(r);
	errno = EINVAL;
	return NULL;
}

/* Kernel counters plus the recorder's own, as cumulative totals per reason. */
static void snapshot_drops(struct ebr_recorder *r, uint64_t *totals)
{
	if (rec_probes__read_drops(&r->probes, r->drop_slots) == 0) {
		for (unsigned t = 0; t < EBR_DROP_TYPE_SLOTS; t++)
			r->drop_slots[EBR_DROP_FILTERED_USER * EBR_DROP_TYPE_SLOTS + t] += r->user_drop_slots[t];
		for (unsigned reason = 0; reason < EBR_DROP_NR; reason++) {
			uint64_t sum = 0;

			for (unsigned t = 0; t < EBR_DROP_TYPE_SLOTS; t++)
				sum += r->drop_slots[reason * EBR_DROP_TYPE_SLOTS + t];
			r->stats.drops[reason] = sum + r->user_drops[reason];
		}
	}
	memcpy(totals, r->stats.drops, sizeof(r->stats.drops));
}

/* The counters the segment being handed over carries: by reason and by type, of one moment. */
static void snapshot_segment_drops(struct ebr_recorder *r)
{
	snapshot_drops(r, r->cur->drops);
	memcpy(r->cur->drop_slots, r->drop_slots,
	       (size_t)EBR_DROP_NR * EBR_DROP_TYPE_SLOTS * sizeof(*r->drop_slots));
}

static void close_segment(struct ebr_recorder *r)
{
	snapshot_segment_drops(r);
	seg_queue__put(&r->q, r->cur);
	r->cur = seg_queue__get(&r->q);
	r->seg_opened_ns = mono_ns();
}

/* exec, fork and exit: kept whatever the filter, so the capture names its processes */
static int is_lifecycle(unsigned type)
{
	return type == EBR_T_EXEC || type == EBR_T_FORK || type == EBR_T_EXIT;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct ebr_recorder *r = ctx;
	const struct ebr_event_header *h = data;

	if (size < sizeof(*h) || h->size != size) {
		r->user_drops[EBR_DROP_CORRUPT]++;
		return 0;
	}
	if (r->filter && !is_lifecycle(h->type) && !ebr_filter__match(r->filter, h)) {
		r->user_drop_slots[h->type < EBR_DROP_TYPE_SLOTS ? h->type : EBR_DROP_TYPE_SLOTS - 1]++;
		return 0;
	}
	if (r->tap)
		r->tap(r->tap_ctx, h);
	r->by_type[h->type & EBR_T_MAX]++;
	r->stats.events++;
	r->stats.bytes += size;
	if (!r->cur)
		return 0; /* no file: subscribers only */
	if (r->cur->cap - r->cur->len < size)
		close_segment(r);
	memcpy(r->cur->data + r->cur->len, data, size);
	r->cur->len += size;
	return 0;
}

static int rotating(const struct ebr_recorder *r)
{
	return r->o.rotate_size || r->o.rotate_seconds;
}

/* "trace.ebc", 3 -> "trace.0003.ebc" */
static char *rotated_name(const char *base, uint32_t index)
{
	size_t len = strlen(base), stem = len > 4 && !strcmp(base + len - 4, ".ebc") ? len - 4 : len;
	char *p = malloc(stem + 16);

	if (p)
		snprintf(p, stem + 16, "%.*s.%04u.ebc", (int)stem, base, index);
	return p;
}

/* A metadata block, redacted first when the recording is redacted. */
static int add_meta(struct ebr_recorder *r, struct ebr_writer *w, unsigned kind, const void *data, size_t len)
{
	int err;

	if (!r->redactor || kind == EBR_META_SCHEMA || kind == EBR_META_PROBES || kind == EBR_META_ROTATION)
		return ebr_writer__add_meta(w, kind, data, len);
	r->redacted_meta.len = 0;
	if (kind == EBR_META_PROCS || kind == EBR_META_CGROUPS) {
		err = ebr_redactor__buffer(r->redactor, data, len, &r->redacted_meta);
	} else {
		/* 1: the text was redacted into the buffer; 0: a kind it leaves as it is */
		err = ebr_redactor__text(r->redactor, kind, data, len, &r->redacted_meta);
		if (err == 0)
			return ebr_writer__add_meta(w, kind, data, len);
	}
	if (err < 0) {
		pr_err("cannot redact the capture's metadata: %s", strerror(-err));
		return err;
	}
	return ebr_writer__add_meta(w, kind, r->redacted_meta.p, r->redacted_meta.len);
}

static int redact_segment(void *ctx, const void *in, size_t len, const void **out, size_t *out_len)
{
	struct ebr_recorder *r = ctx;
	int err;

	r->redacted.len = 0;
	err = ebr_redactor__buffer(r->redactor, in, len, &r->redacted);
	*out = r->redacted.p;
	*out_len = r->redacted.len;
	if (err < 0)
		pr_err("cannot redact a segment: %s", strerror(-err));
	return err < 0 ? err : 0;
}

/* Cgroups not yet in the capture: all of them at start, the new ones at the end. */
static int write_cgroups(struct ebr_recorder *r, struct ebr_writer *w)
{
	struct ebr_buf b = {0};
	char root[512];
	int n, known, err = 0;

	if (!rec_cgroup2_root(root, sizeof(root))) {
		if (!r->stopped)
			pr_warn("no cgroup v2 hierarchy is mounted: cgroup ids will not be named");
		return 0;
	}
	/* cgroups a container filter saw come (and maybe go) since the tree was last walked */
	pthread_mutex_lock(&r->live_mu);
	known = rec_cgroups__add_known(&r->cgroups, &b, &r->live.recs);
	pthread_mutex_unlock(&r->live_mu);
	n = known < 0 ? known : rec_cgroups__collect(&r->cgroups, &b, root, REC_PODS_DIR, boot_ns());
	if (n >= 0)
		n += known;
	if (n < 0)
		pr_warn("could not read the cgroup tree at %s: %s; containers will be unnamed", root,
			strerror(-n));
	else if (n > 0)
		err = add_meta(r, w, EBR_META_CGROUPS, b.p, b.len);
	ebr_buf__free(&b);
	return err;
}

/*
 * A custom program's record, wrapped in our common header (filled from its
 * ts/pid/tid/comm members where it has them) and copied into the segment.
 */
static int on_custom(void *ctx, void *data, size_t size)
{
	struct rec_custom *c = ctx;
	struct ebr_recorder *r = c->recorder;
	uint32_t total = (uint32_t)(sizeof(struct ebr_event_header) + ((size + 7) & ~(size_t)7));
	struct ebr_event_header *h;

	if (size > 65536) {
		r->user_drops[EBR_DROP_CORRUPT]++;
		return 0;
	}
	if (r->cur && r->cur->cap - r->cur->len < total)
		close_segment(r);
	h = (struct ebr_event_header *)(r->cur ? r->cur->data + r->cur->len : r->scratch);
	memset(h, 0, total);
	h->size = total;
	h->type = c->type.id;
	h->ts = c->off_ts >= 0 && (size_t)c->off_ts + 8 <= size ? *(uint64_t *)((char *)data + c->off_ts) : boot_ns();
	if (c->off_pid >= 0 && (size_t)c->off_pid + 4 <= size)
		memcpy(&h->pid, (char *)data + c->off_pid, 4);
	if (c->off_tid >= 0 && (size_t)c->off_tid + 4 <= size)
		memcpy(&h->tid, (char *)data + c->off_tid, 4);
	if (c->off_comm >= 0 && (size_t)c->off_comm + EBR_COMM_LEN <= size)
		memcpy(h->comm, (char *)data + c->off_comm, EBR_COMM_LEN);
	memcpy(h + 1, data, size);
	if (r->tap)
		r->tap(r->tap_ctx, h);
	r->by_type[h->type & EBR_T_MAX]++;
	r->stats.events++;
	r->stats.bytes += total;
	if (r->cur)
		r->cur->len += total;
	return 0;
}

/* User BPF objects: loaded after ours, each a type of its own in the capture's schema. */
static int load_custom(struct ebr_recorder *r)
{
	const struct ebr_type *exec = ebr_schema__type(ebr_schema__builtin(), EBR_T_EXEC);
	struct ebr_type types[8];
	size_t n_common = 0;
	int err;

	while (n_common < exec->n_fields && exec->fields[n_common].offset < sizeof(struct ebr_event_header))
		n_common++;
	for (size_t i = 0; i < r->o.n_custom && i < 8; i++) {
		struct rec_custom *c = &r->custom[i];

		c->recorder = r;
		err = rec_custom__load(c, &r->o.custom[i], (uint16_t)(EBR_T_CUSTOM_FIRST + i), NULL, exec->fields,
				       n_common, &r->probes.status);
		r->n_custom = i + 1;
		if (err)
			return err;
		err = ring_buffer__add(r->rb, c->ring_fd, on_custom, c);
		if (err) {
			pr_err("cannot read the ring buffer of %s: %s", r->o.custom[i].object, strerror(-err));
			return err;
		}
		types[i] = c->type;
	}
	if (!r->n_custom)
		return 0;
	r->schema = ebr_schema__extend(ebr_schema__builtin(), types, r->n_custom);
	r->scratch = malloc(65536 + sizeof(struct ebr_event_header) + 8);
	return r->schema && r->scratch ? 0 : -ENOMEM;
}

static int write_metadata(struct ebr_recorder *r, struct ebr_writer *w)
{
	struct ebr_buf procs = {0};
	char root[512];
	void *schema;
	size_t schema_len;
	int err;

	err = ebr_schema__serialize(ebr_recorder__schema(r), &schema, &schema_len);
	if (err)
		return err;
	err = ebr_writer__add_meta(w, EBR_META_SCHEMA, schema, schema_len);
	free(schema);
	if (!err && r->config_json)
		err = add_meta(r, w, EBR_META_CONFIG, r->config_json, strlen(r->config_json));
	if (!err && r->command_line)
		err = add_meta(r, w, EBR_META_NOTE, r->command_line, strlen(r->command_line));
	if (!err && r->redactor) {
		/* the capture says what was redacted, never the patterns' values */
		r->redacted_meta.len = 0;
		err = ebr_redactor__describe(r->redactor, "", &r->redacted_meta);
		if (err >= 0)
			err = ebr_writer__add_meta(w, EBR_META_DERIVED, r->redacted_meta.p, r->redacted_meta.len);
	}
	if (!err)
		err = ebr_writer__add_meta(w, EBR_META_PROBES, r->probes.status.p, r->probes.status.len);
	if (!err && rotating(r)) {
		struct ebr_rotation_disk rot = { .index = r->file_index };

		memcpy(rot.set_uuid, r->set_uuid, sizeof(rot.set_uuid));
		ebr_strlcpy(rot.base, r->output, sizeof(rot.base));
		err = ebr_writer__add_meta(w, EBR_META_ROTATION, &rot, sizeof(rot));
	}
	if (err)
		return err;
	if (procsnap__collect(&procs, "/proc", rec_cgroup2_root(root, sizeof(root)), boot_ns()) == 0)
		err = add_meta(r, w, EBR_META_PROCS, procs.p, procs.len);
	else
		pr_warn("could not snapshot /proc: processes started before the recording will be unnamed");
	ebr_buf__free(&procs);
	if (!err)
		err = write_cgroups(r, w);
	return err;
}

/*
 * Each CPU has its own bucket (no shared cache line on the hot path), so a
 * budget is split among CPUs, rounding down: the total never exceeds it.
 * The burst is one second's worth.
 */
static void set_rate_limits(struct ebr_bpf_config *cfg, const uint64_t *rates)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpus < 1)
		ncpus = 1;
	for (unsigned f = 0; f < EBR_FAM_NR; f++) {
		if (!rates[f])
			continue;
		cfg->rate_per_cpu[f] = rates[f] / (uint64_t)ncpus ? rates[f] / (uint64_t)ncpus : 1;
		cfg->burst[f] = cfg->rate_per_cpu[f];
	}
}

/*
 * The kernel's share of a filter: its type set (plus lifecycle events), its
 * pid and uid sets when every match must have one of them, and the cgroup
 * set a container (pod, ...) filter resolved to. Following a process tree
 * owns the kernel pid set; then pids are checked in the recorder only.
 */
static int pushdown(struct ebr_recorder *r, const struct ebr_filter *f, struct ebr_kfilter_spec *k,
		    uint64_t types[2], uint32_t **pids, uint64_t **cgroups)
{
	uint64_t *vals = NULL;
	size_t n = 0;
	int ret;

	if (!f)
		return 0;
	if (ebr_filter__types(f, types)) {
		ebr_type_bitmap__set(types, EBR_T_EXEC);
		ebr_type_bitmap__set(types, EBR_T_FORK);
		ebr_type_bitmap__set(types, EBR_T_EXIT);
		k->types = types;
	}
	if (!r->following && ebr_filter__value_set(f, "pid", &vals, &n) > 0) {
		*pids = calloc(n ? n : 1, sizeof(**pids));
		if (!*pids) {
			free(vals);
			return -ENOMEM;
		}
		for (size_t i = 0; i < n; i++)
			(*pids)[i] = (uint32_t)vals[i];
		k->pids = *pids;
		k->n_pids = n;
		k->follow = 0;
	}
	free(vals);
	vals = NULL;
	if (ebr_filter__value_set(f, "uid", &vals, &n) > 0 && n == 1)
		k->uid = (int64_t)vals[0];
	free(vals);
	vals = NULL;
	/* a caller's own cgroup set stands; a set too big for the map is left to the recorder */
	ret = k->cgroups ? 0 : ebr_filter__value_set(f, "cgroup", &vals, &n);
	if (ret < 0)
		return ret;
	if (ret > 0 && n <= EBR_KF_CGROUP_ENTRIES) {
		k->cgroups = *cgroups = vals; /* never NULL: an empty set refuses every cgroup */
		k->n_cgroups = n;
	} else {
		free(vals);
	}
	return 0;
}

/*
 * f recompiled against the live cgroup table (names not there yet match
 * nothing until they are). NULL when that fails: f is used as it is.
 */
static struct ebr_filter *resolve_cgroups(struct ebr_recorder *r, const struct ebr_filter *f)
{
	struct ebr_filter_opts o = { .sz = sizeof(o), .flags = EBR_FILTER_CGROUPS | EBR_FILTER_UNKNOWN_OK,
				     .cgroups = r->live.views, .n_cgroups = r->live.n_views };
	struct ebr_filter_error err;
	struct ebr_filter *own = ebr_filter__compile_opts(ebr_recorder__schema(r), ebr_filter__expr(f), &o,
							  &err);

	if (!own)
		pr_warn("cannot resolve the filter's containers again: %s", err.message);
	return own;
}

/* The kernel filter: what the caller asked for, narrowed by the filter's pushdown. */
static int apply_filters(struct ebr_recorder *r, struct rec_probes *p, const struct ebr_filter *f)
{
	struct ebr_kfilter_spec k = { .sz = sizeof(k), .uid = -1 };
	uint64_t types[2] = { 0, 0 };
	uint32_t *pids = NULL;
	uint64_t *cgroups = NULL;
	struct ebr_filter *own = NULL;
	const struct ebr_filter *use = f;
	int err;

	if (f && ebr_filter__uses_cgroups(f)) {
		int n;

		pthread_mutex_lock(&r->live_mu);
		n = rec_cgroup_table__refresh(&r->live, REC_PODS_DIR, boot_ns());
		pthread_mutex_unlock(&r->live_mu);
		if (n < 0)
			pr_warn("cannot read the cgroup tree: %s; containers are matched as the filter "
				"was compiled", strerror(-n));
		else if ((own = resolve_cgroups(r, f)))
			use = own;
		r->next_rescan_ns = mono_ns() + RESCAN_NS;
	}
	if (r->o.kfilter)
		memcpy(&k, r->o.kfilter, sizeof(k));
	r->following = k.pids && k.follow;
	err = pushdown(r, use, &k, types, &pids, &cgroups);
	if (!err)
		err = rec_kfilter__apply(p, &k);
	free(pids);
	if (err) {
		free(cgroups);
		ebr_filter__free(own);
		return err;
	}
	r->filter = use;
	r->user_filter = f;
	ebr_filter__free(r->own_filter);
	r->own_filter = own;
	free(r->kcgroups);
	r->kcgroups = cgroups;
	r->n_kcgroups = cgroups ? k.n_cgroups : 0;
	return 0;
}

/*
 * New cgroups since the filter was resolved (a container started): resolve
 * it again, and let the kernel pass the cgroups it now also matches.
 */
static void rescan_cgroups(struct ebr_recorder *r)
{
	struct ebr_filter *own;
	uint64_t *vals = NULL;
	size_t n = 0, k = 0;
	int added;

	r->next_rescan_ns = mono_ns() + RESCAN_NS;
	pthread_mutex_lock(&r->live_mu);
	added = rec_cgroup_table__refresh(&r->live, REC_PODS_DIR, boot_ns());
	pthread_mutex_unlock(&r->live_mu);
	if (added <= 0 || !(own = resolve_cgroups(r, r->user_filter)))
		return;
	if (r->kcgroups && ebr_filter__value_set(own, "cgroup", &vals, &n) > 0) {
		if (n > EBR_KF_CGROUP_ENTRIES) {
			/* too many for the kernel's map now: it lets them all through, the recorder decides */
			free(vals);
			if (apply_filters(r, &r->probes, r->user_filter))
				pr_warn("cannot widen the kernel filter to %zu cgroups", n);
			ebr_filter__free(own);
			return;
		}
		/* the new set only grows (ids are never reused): add what is new, remove nothing */
		for (size_t i = 0; i < n; i++) {
			while (k < r->n_kcgroups && r->kcgroups[k] < vals[i])
				k++;
			if (k < r->n_kcgroups && r->kcgroups[k] == vals[i])
				continue;
			if (rec_kfilter__add_cgroups(&r->probes, &vals[i], 1)) {
				pr_warn("cannot add cgroup %llu to the kernel filter",
					(unsigned long long)vals[i]);
				break;
			}
		}
		free(r->kcgroups);
		r->kcgroups = vals;
		r->n_kcgroups = n;
	}
	r->filter = own;
	ebr_filter__free(r->own_filter);
	r->own_filter = own;
}

static int initial_kfilter(struct rec_probes *p, void *ctx)
{
	struct ebr_recorder *r = ctx;
	int err = apply_filters(r, p, r->o.filter);

	if (err)
		pr_err("cannot set the kernel filter: %s", strerror(-err));
	return err;
}

int ebr_recorder__set_filter(struct ebr_recorder *r, const struct ebr_filter *filter)
{
	int err;

	if (!r->started)
		return -EINVAL;
	err = apply_filters(r, &r->probes, filter);
	if (err)
		pr_err("cannot change the filter: %s", strerror(-err));
	return err;
}

int ebr_recorder__set_kfilter(struct ebr_recorder *r, const struct ebr_kfilter_spec *spec)
{
	int err;

	if (!r->started)
		return -EINVAL;
	err = rec_kfilter__apply(&r->probes, spec);
	if (err)
		pr_err("cannot change the kernel filter: %s", strerror(-err));
	return err;
}

int ebr_recorder__follow(struct ebr_recorder *r, uint32_t pid)
{
	uint32_t *tree = NULL;
	int n, err;

	if (!r->started)
		return -EINVAL;
	n = procsnap__descendants("/proc", pid, &tree);
	if (n < 0)
		return n;
	err = rec_kfilter__add_pids(&r->probes, tree, (size_t)n);
	free(tree);
	if (err)
		pr_err("cannot follow process %u: %s", pid, strerror(-err));
	return err;
}

/* A finished rotated file, oldest first, for prune_kept. */
static void remember_closed(struct ebr_recorder *r, char *closed)
{
	char **n = realloc(r->kept, (r->n_kept + 1) * sizeof(*r->kept));

	if (!n) {
		free(closed);
		return;
	}
	r->kept = n;
	r->kept[r->n_kept++] = closed;
}

/*
 * Drop the oldest rotated files beyond rotate_keep, counting the one about
 * to be opened. Only when it is opened: a recording that stops right after
 * a rotation makes no next file, and must still leave rotate_keep files.
 */
static void prune_kept(struct ebr_recorder *r)
{
	while (r->o.rotate_keep && r->n_kept > r->o.rotate_keep - 1) {
		if (unlink(r->kept[0]) && errno != ENOENT)
			pr_warn("cannot remove the old capture %s: %s", r->kept[0], strerror(errno));
		free(r->kept[0]);
		memmove(r->kept, r->kept + 1, --r->n_kept * sizeof(*r->kept));
	}
}

/*
 * In the writer thread, after each segment: when the file is big or old
 * enough, finish it (trailer, footer) and go on in the next, which gets its
 * own header, metadata and a fresh process snapshot so it reads alone.
 */
static int after_segment(void *ctx, struct ebr_writer **w, const struct seg_buf *b)
{
	struct ebr_recorder *r = ctx;
	uint64_t size = ebr_writer__stats(*w)->file_bytes;
	char *next;
	int err;

	if (!rotating(r) || !((r->o.rotate_size && size >= r->o.rotate_size) ||
			      (r->o.rotate_seconds &&
			       mono_ns() - r->file_opened_ns >= (uint64_t)r->o.rotate_seconds * 1000000000ULL)))
		return 0;
	next = rotated_name(r->output, r->file_index + 1);
	if (!next)
		return -ENOMEM;
	ebr_writer__set_drops_by_type(*w, b->drop_slots, EBR_DROP_NR, EBR_DROP_TYPE_SLOTS);
	err = write_cgroups(r, *w);
	if (!err)
		err = ebr_writer__close(*w);
	*w = NULL;
	if (err) {
		free(next);
		return err;
	}
	r->closed_bytes += size;
	remember_closed(r, r->path);
	r->path = next;
	r->file_index++;
	return 0; /* open_next makes the file when events come */
}

static int open_next(void *ctx, struct ebr_writer **w)
{
	struct ebr_recorder *r = ctx;
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = r->o.force,
				      .compression_level = r->o.compression_level,
				      .segment_encoding = r->o.compact ? EBR_SEG_ENC_COLUMNS : EBR_SEG_ENC_RECORDS };

	/* a file that reads alone names all its cgroups, not just the new ones */
	rec_cgroups__free(&r->cgroups);
	*w = ebr_writer__open(r->path, &wo);
	if (!*w)
		return -errno;
	prune_kept(r);
	r->file_opened_ns = mono_ns();
	return write_metadata(r, *w);
}

static void go_realtime(struct ebr_recorder *r);

int ebr_recorder__start(struct ebr_recorder *r)
{
	struct ebr_writer_opts wo = { .sz = sizeof(wo), .force = r->o.force,
				      .compression_level = r->o.compression_level,
				      .segment_encoding = r->o.compact ? EBR_SEG_ENC_COLUMNS : EBR_SEG_ENC_RECORDS };
	struct ebr_bpf_config cfg = {
		.self_pid = (uint32_t)getpid(),
		.max_args_size = r->o.max_args_size,
		.max_path_size = r->o.max_path_size,
		.families = r->o.families,
		.filter_syscalls = r->o.syscalls != NULL,
		.wakeup_bytes = r->o.low_latency	? 0 :
				r->o.wakeup_bytes ? r->o.wakeup_bytes :
						    r->o.ringbuf_size / 8,
	};
	struct rec_probe_opts po = {
		.families = r->o.families,
		.ringbuf_size = r->o.ringbuf_size,
		.cfg = &cfg,
		.syscalls = r->o.syscalls,
		.n_syscalls = r->o.n_syscalls,
		.maps_ready = initial_kfilter,
		.ctx = r,
	};
	int err;

	set_rate_limits(&cfg, r->o.rate_limit);
	err = rec_probes__load(&r->probes, &po);
	if (err)
		return err;
	/* loading parsed the kernel's BTF (megabytes, freed now): give the pages back for the long run */
	malloc_trim(0);
	r->stats.probes_attached = r->probes.attached;
	r->stats.probes_failed = r->probes.failed;
	r->rb = ring_buffer__new(r->probes.rb_fd, on_sample, r, NULL);
	if (!r->rb) {
		err = -errno;
		pr_err("cannot set up the ring buffer reader: %s", strerror(errno));
		return err;
	}
	err = load_custom(r);
	if (err)
		return err;
	if (r->o.redact) {
		r->redactor = ebr_redactor__new(ebr_recorder__schema(r), r->o.redact);
		if (!r->redactor)
			return -errno;
	}
	r->seg_opened_ns = mono_ns();
	if (!r->output) {
		r->started = 1;
		if (r->o.rt_priority)
			go_realtime(r);
		return 0;
	}
	r->path = rotating(r) ? rotated_name(r->output, 0) : strdup(r->output);
	if (!r->path)
		return -ENOMEM;
	r->w = ebr_writer__open(r->path, &wo);
	if (!r->w)
		return -errno;
	memcpy(r->set_uuid, ebr_writer__uuid(r->w), sizeof(r->set_uuid));
	r->file_opened_ns = mono_ns();
	err = write_metadata(r, r->w);
	if (err)
		return err;
	err = seg_queue__init(&r->q, SEGMENT_BUFFERS, r->o.segment_size, r->w);
	r->q_ready = 1;
	r->w = NULL; /* the writer thread owns it now: r->q.w */
	r->q.after_segment = after_segment;
	r->q.open_next = open_next;
	if (r->redactor)
		r->q.transform = redact_segment;
	r->q.ctx = r;
	if (!err)
		err = seg_queue__start(&r->q);
	if (err)
		return err;
	r->cur = seg_queue__get(&r->q);
	r->started = 1;
	/* after the writer thread is made (it compresses: not at real-time priority) */
	if (r->o.rt_priority)
		go_realtime(r);
	return 0;
}

static int sleep_until(uint64_t mono)
{
	struct timespec ts = { .tv_sec = (time_t)(mono / 1000000000ULL), .tv_nsec = (long)(mono % 1000000000ULL) };

	return -clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/*
 * Low latency without a wake-up per event (each cost two context switches,
 * the recorder's and the subscriber's: most of the CPU, and a tail that
 * grew with the machine's load). The kernel notifies only when the ring
 * goes from empty to not (flags 0), so the first event after a quiet spell
 * is drained at once; while events flow the recorder does not wait for
 * notifications but drains on a fixed cadence, so an event waits in the
 * ring at most one interval and the subscribers are woken once per drain.
 * Returns records drained, 0 when the wait ended first, or -errno.
 */
static int drain_paced(struct ebr_recorder *r, int timeout_ms)
{
	uint64_t now = mono_ns(), due = r->ll_last_drain_ns + (uint64_t)r->o.drain_interval_us * 1000ULL;
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : now + (uint64_t)timeout_ms * 1000000ULL;
	struct epoll_event ev[4];
	int n;

	if (!r->ll_flowing) {
		n = epoll_wait(ring_buffer__epoll_fd(r->rb), ev, 4, timeout_ms);
		if (n <= 0)
			return n < 0 && errno != EINTR ? -errno : 0;
		now = due = mono_ns();
	}
	if (now < due) {
		/* what is not taken now stays in the ring (level-triggered): the next call takes it */
		n = sleep_until(due < deadline ? due : deadline);
		if (n == -EINTR || due > deadline)
			return 0;
		if (n)
			return n;
		now = mono_ns();
	}
	/* late (a busy machine) restarts the cadence from now: no burst of catching up */
	r->ll_last_drain_ns = now;
	n = ring_buffer__consume(r->rb);
	if (n >= 0)
		r->ll_flowing = n > 0;
	return n;
}

/*
 * rt_priority: the thread that starts the recorder becomes SCHED_FIFO then
 * (threads it makes later inherit it, even after privileges are dropped),
 * and any other thread at its first poll.
 */
static void go_realtime(struct ebr_recorder *r)
{
	struct sched_param sp = { .sched_priority = r->o.rt_priority };
	pthread_t self = pthread_self();
	int err;

	if (r->rt_state == -1 || (r->rt_state == 1 && pthread_equal(r->rt_thread, self)))
		return;
	if (r->rt_state == 1) {
		/* polled from another thread now: it too (only the first is restored at stop) */
		pthread_setschedparam(self, SCHED_FIFO, &sp);
		r->rt_thread = self;
		return;
	}
	pthread_getschedparam(self, &r->rt_old_policy, &r->rt_old_param);
	err = pthread_setschedparam(self, SCHED_FIFO, &sp);
	if (err) {
		r->rt_state = -1;
		pr_warn("cannot poll at real-time priority %d (SCHED_FIFO): %s; going on at normal priority, "
			"where delivery waits behind other programs on a busy machine (needs CAP_SYS_NICE or "
			"RLIMIT_RTPRIO)",
			r->o.rt_priority, strerror(err));
		return;
	}
	r->rt_thread = self;
	r->rt_state = 1;
}

/* At stop, from the thread that polled: its scheduling as it was. */
static void leave_realtime(struct ebr_recorder *r)
{
	if (r->rt_state == 1 && pthread_equal(r->rt_thread, pthread_self()))
		pthread_setschedparam(r->rt_thread, r->rt_old_policy, &r->rt_old_param);
	r->rt_state = 0;
}

int ebr_recorder__poll(struct ebr_recorder *r, int timeout_ms)
{
	uint64_t age_limit = (uint64_t)r->o.segment_ms * 1000000ULL;
	int n, err;

	if (!r->started || r->stopped)
		return -EINVAL;
	if (r->o.rt_priority)
		go_realtime(r);
	if (r->o.low_latency) {
		n = drain_paced(r, timeout_ms);
	} else {
		if (timeout_ms > (int)r->o.drain_ms)
			timeout_ms = (int)r->o.drain_ms;
		/* returns early on a forced wakeup; without one it only waits */
		n = ring_buffer__poll(r->rb, timeout_ms);
		if (n >= 0 || n == -EINTR) {
			int m = ring_buffer__consume(r->rb);

			n = m < 0 ? m : (n > 0 ? n : 0) + m;
		}
	}
	if (n < 0 && n != -EINTR) {
		pr_err("reading the ring buffer failed: %s", strerror(-n));
		return n;
	}
	if (r->user_filter && ebr_filter__uses_cgroups(r->user_filter) && mono_ns() >= r->next_rescan_ns)
		rescan_cgroups(r);
	if (!r->cur)
		return n < 0 ? 0 : n;
	if (mono_ns() - r->seg_opened_ns >= age_limit)
		close_segment(r);
	err = seg_queue__error(&r->q);
	if (err)
		return err;
	return n < 0 ? 0 : n;
}

static void family_counts(struct ebr_recorder *r)
{
	const struct ebr_schema *s = ebr_schema__builtin();

	memset(r->stats.events_by_family, 0, sizeof(r->stats.events_by_family));
	for (unsigned t = 0; t <= EBR_T_MAX; t++) {
		const struct ebr_type *ty;

		if (!r->by_type[t])
			continue;
		ty = ebr_schema__type(s, t);
		r->stats.events_by_family[ty && ty->family < 8 ? ty->family : 0] += r->by_type[t];
	}
}

const struct ebr_recorder_stats *ebr_recorder__stats(struct ebr_recorder *r)
{
	family_counts(r);
	if (r->q_ready) {
		pthread_mutex_lock(&r->q.mu);
		r->stats.segments = r->q.written_segments;
		r->stats.file_bytes = r->closed_bytes + r->q.file_bytes;
		r->stats.files = r->file_index + 1;
		pthread_mutex_unlock(&r->q.mu);
	}
	return &r->stats;
}

/*
 * Writing failed (a full disk): nothing more is written, and the recording
 * fails with err. The writer has cut the failed segment off again, so the
 * file ends at the last whole one; then the events that never made it into
 * the file are counted as lost (writer backlog) in one last, empty segment,
 * and the file is closed with its index. Where even that cannot be
 * written, the file is left as it is, for the recovery scan and repair.
 */
static int close_after_error(struct ebr_recorder *r, int err)
{
	uint64_t written = r->q.written_records;
	uint64_t lost = r->stats.events > written ? r->stats.events - written : 0;
	uint64_t drops[EBR_DROP_NR];

	if (r->w && ebr_writer__recover(r->w) == 0) {
		memcpy(drops, r->stats.drops, sizeof(drops));
		drops[EBR_DROP_WRITER_BACKLOG] += lost;
		ebr_writer__set_drops_by_type(r->w, r->drop_slots, EBR_DROP_NR, EBR_DROP_TYPE_SLOTS);
		if (ebr_writer__add_segment(r->w, NULL, 0, drops, EBR_DROP_NR) == 0) {
			uint64_t segs = ebr_writer__stats(r->w)->n_segments;
			int cerr;

			r->stats.file_bytes = r->closed_bytes + ebr_writer__stats(r->w)->file_bytes;
			cerr = ebr_writer__close(r->w);
			r->w = NULL;
			if (!cerr) {
				r->stats.drops[EBR_DROP_WRITER_BACKLOG] = drops[EBR_DROP_WRITER_BACKLOG];
				pr_err("%s: %s: the capture ends with the last whole segment written; it holds "
				       "%llu events in %llu segments and is closed with its index; the %llu events "
				       "that could not be written are counted as lost (writer backlog)",
				       r->path, strerror(-err), (unsigned long long)written, (unsigned long long)segs,
				       (unsigned long long)lost);
				return err;
			}
		}
	}
	pr_err("the capture %s is incomplete: %s; it holds %llu events in whole segments, %llu more could "
	       "not be written; `ebpfrec repair` can give it an index",
	       r->path, strerror(-err), (unsigned long long)written, (unsigned long long)lost);
	ebr_writer__abandon(r->w);
	r->w = NULL;
	return err;
}

int ebr_recorder__stop(struct ebr_recorder *r)
{
	int err, cerr;

	if (!r->started || r->stopped)
		return 0;
	r->stopped = 1;
	leave_realtime(r);
	rec_probes__detach(&r->probes);
	for (size_t i = 0; i < r->n_custom; i++)
		rec_custom__detach(&r->custom[i]);
	/*
	 * A detach does not wait for programs already running on other CPUs;
	 * they take microseconds, so 10 ms lets them submit (and count their
	 * drops) before the last look at the ring.
	 */
	nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	ring_buffer__consume(r->rb);
	if (!r->cur) {
		uint64_t totals[EBR_DROP_NR];

		snapshot_drops(r, totals);
		return 0;
	}
	snapshot_segment_drops(r);
	seg_queue__put(&r->q, r->cur);
	r->cur = NULL;
	err = seg_queue__finish(&r->q);
	r->w = r->q.w;
	r->q.w = NULL;
	r->stats.segments = r->q.written_segments;
	if (!err && !r->w && r->file_index) {
		/* the last rotation closed the last file, and nothing came after it */
		free(r->path);
		r->path = r->n_kept ? strdup(r->kept[r->n_kept - 1]) : NULL;
		r->stats.file_bytes = r->closed_bytes;
		return 0;
	}
	if (err || !r->w)
		return close_after_error(r, err ? err : -EIO);
	ebr_writer__set_drops_by_type(r->w, r->drop_slots, EBR_DROP_NR, EBR_DROP_TYPE_SLOTS);
	cerr = write_cgroups(r, r->w);
	if (cerr) {
		ebr_writer__abandon(r->w);
		r->w = NULL;
		return cerr;
	}
	r->stats.file_bytes = r->closed_bytes + ebr_writer__stats(r->w)->file_bytes;
	cerr = ebr_writer__close(r->w);
	r->w = NULL;
	return cerr;
}

const struct ebr_schema *ebr_recorder__schema(struct ebr_recorder *r)
{
	return r->schema ? r->schema : ebr_schema__builtin();
}

int ebr_recorder__health(struct ebr_recorder *r, struct ebr_health *out)
{
	rec_health__judge(&r->health, r, out);
	return 0;
}

double ebr_recorder__ring_fill(struct ebr_recorder *r)
{
	return r->started && !r->stopped ? rec_ring_fill(r->probes.rb_fd, r->o.ringbuf_size) : -1;
}

int rec_recorder__write_error(struct ebr_recorder *r)
{
	return r->q_ready ? seg_queue__error(&r->q) : 0;
}

const char *ebr_recorder__current_file(struct ebr_recorder *r)
{
	return r->path;
}

void rec_recorder__set_tap(struct ebr_recorder *r, void (*tap)(void *ctx, const struct ebr_event_header *rec),
			   void *ctx)
{
	r->tap = tap;
	r->tap_ctx = ctx;
}

int rec_recorder__rt_priority(const struct ebr_recorder *r)
{
	return r->o.rt_priority;
}

const struct rec_probes *rec_recorder__probes(const struct ebr_recorder *r)
{
	return &r->probes;
}

void ebr_recorder__free(struct ebr_recorder *r)
{
	if (!r)
		return;
	if (r->started && !r->stopped)
		ebr_recorder__stop(r);
	ring_buffer__free(r->rb);
	if (r->q_ready)
		seg_queue__destroy(&r->q);
	if (r->w && !r->started) {
		/* start failed after creating the file: leave nothing half-made behind */
		ebr_writer__abandon(r->w);
		r->w = NULL;
		if (r->path)
			unlink(r->path);
	} else {
		ebr_writer__abandon(r->w);
	}
	rec_probes__close(&r->probes);
	for (size_t i = 0; i < r->n_custom; i++)
		rec_custom__close(&r->custom[i]);
	ebr_schema__free(r->schema);
	free(r->scratch);
	ebr_redactor__free(r->redactor);
	ebr_buf__free(&r->redacted);
	ebr_buf__free(&r->redacted_meta);
	rec_cgroups__free(&r->cgroups);
	rec_cgroup_table__free(&r->live);
	pthread_mutex_destroy(&r->live_mu);
	ebr_filter__free(r->own_filter);
	free(r->kcgroups);
	for (size_t i = 0; i < r->n_kept; i++)
		free(r->kept[i]);
	free(r->kept);
	free(r->path);
	free(r->drop_slots);
	free(r->output);
	free(r->config_json);
	free(r->command_line);
	free(r);
}
