// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "ebpfrec/decode.h"
#include "events.h"
#include "evfields.h"
#include "export_chrome.h"
#include "hmap.h"
#include "internal.h"
#include "layout.h"
#include "names.h"
#include "slice_nest.h"

#define ARGS_FLAGS (EBR_JSON_OWN_FIELDS | EBR_JSON_HEX_STRINGS)
#define MAX_NAME_PATH 200 /* bytes of a path in a slice's name; args have all of it */

struct thread {
	uint32_t pid;
	char comm[16];
};

struct proc {
	uint32_t seen; /* it has events in the trace */
	uint32_t in_snapshot;
	char snap_comm[16];
	char label[256]; /* executable: from the snapshot, or the latest exec */
};

struct conn {
	uint64_t start;
	uint32_t pid, tid;
	uint32_t open; /* connect/accept seen, close not yet */
	uint32_t incoming;
	char name[112];
};

struct lane_key {
	uint32_t pid;
	uint32_t lane;
};

struct chrome {
	struct ebr_reader *r;
	const struct ebr_capture_info *in;
	const char *machine;
	struct ebr_decoder *dec;
	struct evfields *ef;
	struct slice_nest *nest;
	struct agg *agg;
	struct hmap *threads; /* tid -> struct thread */
	struct hmap *procs; /* pid -> struct proc */
	struct hmap *conns; /* sock -> struct conn */
	struct hmap *lanes; /* struct lane_key -> end of the lane's last connection */
	uint64_t t0;
	FILE *out; /* counts what goes through it */
	int first;
	struct chrome_trace_stats st;
};

/* ------------------------------------------------------------ output */

struct counting {
	FILE *to;
	uint64_t bytes;
};

static ssize_t counting_write(void *cookie, const char *buf, size_t size)
{
	struct counting *c = cookie;

	if (fwrite(buf, 1, size, c->to) != size)
		return -1; /* errno is set by the underlying write */
	c->bytes += size;
	return (ssize_t)size;
}

static void put_us(FILE *f, int64_t ns)
{
	uint64_t a = ns < 0 ? (uint64_t)-ns : (uint64_t)ns;

	/* three decimals of a microsecond: exactly the nanoseconds */
	fprintf(f, "%s%" PRIu64 ".%03u", ns < 0 ? "-" : "", a / 1000, (unsigned)(a % 1000));
}

static int64_t rel(const struct chrome *c, uint64_t ts)
{
	return (int64_t)(ts - c->t0);
}

/* Start one event: separator, then the fields every event has. */
static void ev_begin(struct chrome *c, const char *ph, const char *cat, const char *name, size_t name_len,
		     uint32_t pid, uint32_t tid, uint64_t ts)
{
	fputs(c->first ? "\n" : ",\n", c->out);
	c->first = 0;
	/* the category is a family name from the capture's schema: escaped like any name */
	fprintf(c->out, "{\"ph\":\"%s\",\"cat\":", ph);
	ebr_json_string(c->out, cat, strlen(cat));
	fputs(",\"name\":", c->out);
	ebr_json_string(c->out, name, name_len);
	fprintf(c->out, ",\"pid\":%u,\"tid\":%u,\"ts\":", pid, tid);
	put_us(c->out, rel(c, ts));
}

static void ev_args(struct chrome *c, const struct ebr_event_header *rec)
{
	fputs(",\"args\":", c->out);
	ebr_decoder__json_fields(c->dec, rec, ARGS_FLAGS, c->out);
	fputs("}", c->out);
}

/* ------------------------------------------------------------ names */

static struct proc *proc_of(struct chrome *c, uint32_t pid)
{
	return hmap__get_u64(c->procs, pid, 1);
}

static int note_thread(struct chrome *c, const struct ebr_event_header *rec)
{
	struct thread *t = hmap__get_u64(c->threads, rec->tid, 1);
	struct proc *p = proc_of(c, rec->pid);

	if (!t || !p)
		return -ENOMEM;
	t->pid = rec->pid;
	memcpy(t->comm, rec->comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = 0;
	p->seen = 1;
	return 0;
}

static int snapshot_proc(const struct ebr_event_header *rec, void *ctx)
{
	struct chrome *c = ctx;
	const struct ebr_type *t = ebr_schema__type(ebr_reader__schema(c->r), rec->type);
	const struct ebr_field *exe = t ? ebr_type__field(t, "exe") : NULL;
	struct proc *p;
	size_t len = 0;
	const char *s;

	if (!t || !ebr_record__valid(t, rec))
		return 0;
	p = proc_of(c, rec->pid);
	if (!p)
		return -ENOMEM;
	p->in_snapshot = 1;
	memcpy(p->snap_comm, rec->comm, sizeof(p->snap_comm));
	p->snap_comm[sizeof(p->snap_comm) - 1] = 0;
	s = exe && ebr_field__is_string(exe) ? ebr_field__str(exe, rec, &len) : NULL;
	if (s && len)
		snprintf(p->label, sizeof(p->label), "%.*s", (int)len, s);
	return 0;
}

static void meta_event(struct chrome *c, const char *what, uint32_t pid, uint32_t tid, const char *key,
		       const char *value)
{
	fputs(c->first ? "\n" : ",\n", c->out);
	c->first = 0;
	fprintf(c->out, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%u,\"tid\":%u,\"args\":{\"%s\":", what, pid, tid,
		key);
	ebr_json_string(c->out, value, strlen(value));
	fputs("}}", c->out);
	c->st.metadata++;
}

/* Names last: by then every thread's latest comm is known. */
static void write_names(struct chrome *c)
{
	for (size_t i = 0; i < hmap__count(c->procs); i++) {
		const struct proc *p = hmap__value_at(c->procs, i);
		uint32_t pid = (uint32_t)hmap__u64_key_at(c->procs, i);
		const struct thread *leader = hmap__get_u64(c->threads, pid, 0);
		const char *name = leader ? leader->comm : p->in_snapshot ? p->snap_comm : NULL;

		if (!p->seen)
			continue;
		for (size_t j = 0; !name && j < hmap__count(c->threads); j++) {
			const struct thread *t = hmap__value_at(c->threads, j);

			if (t->pid == pid)
				name = t->comm;
		}
		meta_event(c, "process_name", pid, pid, "name", name ? name : "?");
		if (p->label[0])
			meta_event(c, "process_labels", pid, pid, "labels", p->label);
	}
	for (size_t i = 0; i < hmap__count(c->threads); i++) {
		const struct thread *t = hmap__value_at(c->threads, i);
		uint32_t tid = (uint32_t)hmap__u64_key_at(c->threads, i);

		meta_event(c, "thread_name", t->pid, tid, "name", t->comm);
	}
}

/* ------------------------------------------------------------ events */

static const char *type_name(struct chrome *c, unsigned type)
{
	return ebr_decoder__type_name(c->dec, type);
}

static const char *family_cat(struct chrome *c, unsigned type)
{
	const struct ebr_type *t = ebr_schema__type(ebr_reader__schema(c->r), type);

	return t && t->family_name ? t->family_name : "custom";
}

static void instant(struct chrome *c, const struct ebr_event_header *rec, const char *name, size_t len)
{
	ev_begin(c, "i", family_cat(c, rec->type), name, len, rec->pid, rec->tid, rec->ts);
	fputs(",\"s\":\"t\"", c->out);
	ev_args(c, rec);
	c->st.instants++;
}

/* A call that took [ts - duration, ts] on its thread. */
static int slice(struct chrome *c, const struct ebr_event_header *rec, const char *name, size_t len,
		 uint64_t duration)
{
	uint64_t start = duration < rec->ts ? rec->ts - duration : 0;
	int placed;

	/* nothing is known before the first event: a call that began earlier starts there */
	if (start < c->t0)
		start = c->t0 < rec->ts ? c->t0 : rec->ts;
	placed = slice_nest__place(c->nest, rec->tid, &start, rec->ts);
	if (placed < 0)
		return placed;
	if (placed == SLICE_UNPLACED) {
		c->st.unplaced++;
		instant(c, rec, name, len);
		return 0;
	}
	c->st.moved += placed == SLICE_MOVED;
	ev_begin(c, "X", family_cat(c, rec->type), name, len, rec->pid, rec->tid, start);
	fputs(",\"dur\":", c->out);
	put_us(c->out, (int64_t)(rec->ts - start));
	ev_args(c, rec);
	c->st.slices++;
	return 0;
}

static int syscall_event(struct chrome *c, const struct ebr_event_header *rec)
{
	uint32_t nr = (uint32_t)evf__u64(c->ef, rec, EVF_NR, 0);
	uint64_t flags = evf__u64(c->ef, rec, EVF_SYSCALL_FLAGS, 0);
	const char *name = ebr_syscall_name(c->machine, nr);
	char buf[64];

	if (!name) {
		snprintf(buf, sizeof(buf), "syscall_%u", nr);
		name = buf;
	}
	if (flags & (EBR_SYSCALL_UNPAIRED | EBR_SYSCALL_NO_RETURN)) {
		/* no start (began before recording) or no end (exit): a point in time */
		instant(c, rec, name, strlen(name));
		return 0;
	}
	return slice(c, rec, name, strlen(name), evf__u64(c->ef, rec, EVF_DURATION, 0));
}

static int file_event(struct chrome *c, const struct ebr_event_header *rec)
{
	char name[MAX_NAME_PATH + 32];
	size_t len;
	const char *path = evf__str(c->ef, rec, EVF_FILENAME, &len);
	int n;

	if (len > MAX_NAME_PATH)
		len = MAX_NAME_PATH;
	n = snprintf(name, sizeof(name), "%s %.*s", type_name(c, rec->type), (int)len, path ? path : "");
	return slice(c, rec, name, (size_t)n < sizeof(name) ? (size_t)n : sizeof(name) - 1,
		     evf__u64(c->ef, rec, EVF_DURATION, 0));
}

static void peer_name(struct chrome *c, const struct ebr_event_header *rec, char *buf, size_t len)
{
	const uint8_t *da = evf__ip(c->ef, rec, EVF_DADDR);
	unsigned dport = (unsigned)evf__u64(c->ef, rec, EVF_DPORT, 0);
	unsigned sport = (unsigned)evf__u64(c->ef, rec, EVF_SPORT, 0);
	char ip[48] = "?";

	if (da)
		agg_format_ip(da, ip, sizeof(ip));
	if (evf__u64(c->ef, rec, EVF_DIRECTION, 0) == EBR_DIR_IN)
		snprintf(buf, len, "tcp from %s:%u to :%u", ip, dport, sport);
	else
		snprintf(buf, len, strchr(ip, ':') ? "tcp to [%s]:%u" : "tcp to %s:%u", ip, dport);
}

/* One lane per connection open at a time in a process, so connections never overlap on a track. */
static int lane_id(struct chrome *c, uint32_t pid, uint64_t start, uint64_t end, uint64_t *id)
{
	for (uint32_t lane = 0; lane < (1u << 20); lane++) {
		struct lane_key k = { pid, lane };
		uint64_t *last = hmap__get(c->lanes, &k, sizeof(k), 1);

		if (!last)
			return -ENOMEM;
		if (*last <= start) {
			*last = end;
			*id = (uint64_t)pid << 20 | lane;
			return 0;
		}
	}
	return -ENOSPC;
}

static int conn_slice(struct chrome *c, const struct conn *k, uint64_t end, const struct ebr_event_header *rec)
{
	uint64_t id;
	int err = lane_id(c, k->pid, k->start, end, &id);

	if (err == -ENOSPC)
		return 0;
	if (err)
		return err;
	ev_begin(c, "b", "network", k->name, strlen(k->name), k->pid, k->tid, k->start);
	fprintf(c->out, ",\"id\":%" PRIu64, id);
	if (rec) {
		ev_args(c, rec);
	} else {
		fputs(",\"args\":{\"open_at_end\":true}}", c->out);
	}
	ev_begin(c, "e", "network", k->name, strlen(k->name), k->pid, k->tid, end);
	fprintf(c->out, ",\"id\":%" PRIu64 "}", id);
	c->st.connections++;
	return 0;
}

static int net_event(struct chrome *c, const struct ebr_event_header *rec)
{
	uint64_t sock = evf__u64(c->ef, rec, EVF_SOCK, 0);
	uint64_t dur = evf__u64(c->ef, rec, EVF_DURATION, 0);
	char name[112];
	struct conn *k;

	switch (rec->type) {
	case EBR_T_CONNECT:
	case EBR_T_ACCEPT:
		peer_name(c, rec, name, sizeof(name));
		if (sock && evf__s64(c->ef, rec, EVF_RET, 0) >= 0) {
			k = hmap__get_u64(c->conns, sock, 1);
			if (!k)
				return -ENOMEM;
			k->start = dur < rec->ts ? rec->ts - dur : rec->ts;
			k->pid = rec->pid;
			k->tid = rec->tid;
			k->open = 1;
			memcpy(k->name, name, sizeof(k->name));
		}
		snprintf(name, sizeof(name), "%s", type_name(c, rec->type));
		return slice(c, rec, name, strlen(name), dur);
	case EBR_T_TCP_CLOSE: {
		struct conn alone;

		k = sock ? hmap__get_u64(c->conns, sock, 0) : NULL;
		if (!k || !k->open) {
			/* opened before recording, or its connect was filtered out: the close knows the lifetime */
			memset(&alone, 0, sizeof(alone));
			alone.start = dur && dur < rec->ts ? rec->ts - dur : rec->ts;
			alone.pid = rec->pid;
			alone.tid = rec->tid;
			peer_name(c, rec, alone.name, sizeof(alone.name));
			k = &alone;
		}
		k->open = 0;
		if (k->start < c->t0)
			k->start = c->t0;
		return conn_slice(c, k, rec->ts, rec);
	}
	default:
		instant(c, rec, type_name(c, rec->type), strlen(type_name(c, rec->type)));
		return 0;
	}
}

static int process_event(struct chrome *c, const struct ebr_event_header *rec)
{
	char name[MAX_NAME_PATH + 48];
	size_t len = 0;
	const char *s;
	int n;

	switch (rec->type) {
	case EBR_T_EXEC:
		s = evf__str(c->ef, rec, EVF_FILENAME, &len);
		if (len > MAX_NAME_PATH)
			len = MAX_NAME_PATH;
		n = snprintf(name, sizeof(name), "exec %.*s", (int)len, s ? s : "");
		if (evf__s64(c->ef, rec, EVF_RET, 0) == 0 && s && len) {
			struct proc *p = proc_of(c, rec->pid);

			if (!p)
				return -ENOMEM;
			snprintf(p->label, sizeof(p->label), "%.*s", (int)len, s);
		}
		break;
	case EBR_T_FORK: {
		uint32_t child = (uint32_t)evf__u64(c->ef, rec, EVF_CHILD_PID, 0);
		uint32_t child_tid = (uint32_t)evf__u64(c->ef, rec, EVF_CHILD_TID, child);

		if (evf__u64(c->ef, rec, EVF_THREAD, 0)) {
			n = snprintf(name, sizeof(name), "thread %u", child_tid);
		} else {
			n = snprintf(name, sizeof(name), "fork %u", child);
		}
		break;
	}
	case EBR_T_EXIT: {
		uint64_t sig = evf__u64(c->ef, rec, EVF_SIGNAL, 0);
		char sb[32];

		if (sig)
			n = snprintf(name, sizeof(name), "exit (%s)", ebr_signal_name((unsigned)sig, sb, sizeof(sb)));
		else
			n = snprintf(name, sizeof(name), "exit %" PRId64, evf__s64(c->ef, rec, EVF_EXIT_CODE, 0));
		break;
	}
	default:
		n = snprintf(name, sizeof(name), "%s", type_name(c, rec->type));
	}
	instant(c, rec, name, (size_t)n < sizeof(name) ? (size_t)n : sizeof(name) - 1);
	return 0;
}

static int one_event(struct chrome *c, const struct ebr_event_header *rec)
{
	int err = note_thread(c, rec);

	if (err)
		return err;
	switch (rec->type) {
	case EBR_T_SYSCALL:
		return syscall_event(c, rec);
	case EBR_T_OPEN:
	case EBR_T_READ:
	case EBR_T_WRITE:
	case EBR_T_CLOSE:
		return file_event(c, rec);
	case EBR_T_MMAP:
	case EBR_T_MUNMAP:
	case EBR_T_BRK:
		return slice(c, rec, type_name(c, rec->type), strlen(type_name(c, rec->type)),
			     evf__u64(c->ef, rec, EVF_DURATION, 0));
	case EBR_T_CONNECT:
	case EBR_T_ACCEPT:
	case EBR_T_TCP_STATE:
	case EBR_T_TCP_CLOSE:
	case EBR_T_TCP_RETRANSMIT:
	case EBR_T_UDP_SEND:
	case EBR_T_UDP_RECV:
		return net_event(c, rec);
	case EBR_T_EXEC:
	case EBR_T_FORK:
	case EBR_T_EXIT:
	default:
		return process_event(c, rec);
	}
}

/* Connections still open when the window ends: up to the last event. */
static int open_connections(struct chrome *c, uint64_t end)
{
	for (size_t i = 0; i < hmap__count(c->conns); i++) {
		struct conn *k = hmap__value_at(c->conns, i);
		int err;

		if (!k->open)
			continue;
		k->open = 0;
		err = conn_slice(c, k, end > k->start ? end : k->start, NULL);
		if (err)
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------ counters */

static void counter(struct chrome *c, const char *name, uint64_t ts, const char *const *keys,
		    const double *values, unsigned n)
{
	fputs(c->first ? "\n" : ",\n", c->out);
	c->first = 0;
	fprintf(c->out, "{\"ph\":\"C\",\"name\":\"%s\",\"pid\":%u,\"tid\":%u,\"ts\":", name, CHROME_COUNTER_PID,
		CHROME_COUNTER_PID);
	put_us(c->out, rel(c, ts));
	fputs(",\"args\":{", c->out);
	for (unsigned i = 0; i < n; i++)
		fprintf(c->out, "%s\"%s\":%.10g", i ? "," : "", keys[i], values[i]);
	fputs("}}", c->out);
	c->st.counters++;
}

static void write_counters(struct chrome *c)
{
	const char *fam_keys[EBR_FAM_NR], *drop_keys[EBR_DROP_NR];
	unsigned fams[EBR_FAM_NR], drops[EBR_DROP_NR], n_fam = 0, n_drop = 0;
	size_t n = agg__n_buckets(c->agg);
	double per_s = 1e9 / (double)agg__bucket_ns(c->agg);

	for (unsigned f = 0; f < EBR_FAM_NR; f++)
		if (agg__family_total(c->agg, f)) {
			fams[n_fam] = f;
			fam_keys[n_fam++] = ebr_family__name(f);
		}
	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		if (agg__drop_total(c->agg, d)) {
			drops[n_drop] = d;
			drop_keys[n_drop++] = ebr_drop_reason__name(d);
		}
	for (size_t b = 0; b <= n && n; b++) {
		uint64_t ts = agg__start_ts(c->agg) + b * agg__bucket_ns(c->agg);
		double v[16];

		_Static_assert(EBR_FAM_NR <= 16 && EBR_DROP_NR <= 16, "counter values fit");

		/* b == n: back to zero where the data ends */
		for (unsigned i = 0; i < n_fam; i++)
			v[i] = b < n ? (double)agg__events(c->agg, b, fams[i]) * per_s : 0;
		if (n_fam)
			counter(c, "events/s", ts, fam_keys, v, n_fam);
		for (unsigned i = 0; i < n_drop; i++)
			v[i] = b < n ? (double)agg__drops(c->agg, b, drops[i]) * per_s : 0;
		if (n_drop)
			counter(c, "drops/s", ts, drop_keys, v, n_drop);
	}
	if (n_fam || n_drop)
		meta_event(c, "process_name", CHROME_COUNTER_PID, CHROME_COUNTER_PID, "name",
			   "ebpfrec: events and drops per second");
}

/* ------------------------------------------------------------ the trace */

static void write_header(struct chrome *c, const struct chrome_trace_opts *o)
{
	const struct ebr_capture_info *in = c->in;
	char when[48];

	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":\"ebpfrec ", c->out);
	fputs(ebr_version(), c->out);
	fputs("\",\"capture\":", c->out);
	ebr_json_string(c->out, ebr_reader__path(c->r), strlen(ebr_reader__path(c->r)));
	fprintf(c->out, ",\"uuid\":\"%s\",\"host\":", in->uuid_str);
	ebr_json_string(c->out, in->host, strlen(in->host));
	fputs(",\"kernel\":", c->out);
	ebr_json_string(c->out, in->kernel_release, strlen(in->kernel_release));
	fputs(",\"machine\":", c->out);
	ebr_json_string(c->out, in->machine, strlen(in->machine));
	fprintf(c->out, ",\"ts_origin_boot_ns\":%" PRIu64 ",\"ts_origin_wall\":\"%s\"", c->t0,
		ebr_format_wall_time(c->t0 + (uint64_t)in->boot_to_wall_ns, when, sizeof(when)));
	if (o->from_ts || o->to_ts) {
		fprintf(c->out, ",\"window_s\":[%.9f,", o->from_ts ? (double)rel(c, o->from_ts) / 1e9 : 0.0);
		if (o->to_ts)
			fprintf(c->out, "%.9f]", (double)rel(c, o->to_ts) / 1e9);
		else
			fputs("null]", c->out);
	}
	fputs("},\"traceEvents\":[", c->out);
}

static int run(struct chrome *c, const struct chrome_trace_opts *o)
{
	struct ebr_cursor_opts co = { .sz = sizeof(co), .from_ts = o->from_ts, .to_ts = o->to_ts };
	int filter = (o->type_bitmap[0] | o->type_bitmap[1]) != 0;
	const struct ebr_event_header *rec;
	struct ebr_cursor *cur;
	uint64_t last = c->t0;
	int err;

	co.type_bitmap[0] = o->type_bitmap[0];
	co.type_bitmap[1] = o->type_bitmap[1];
	cur = ebr_cursor__open(c->r, &co);
	if (!cur)
		return -errno;
	while ((err = ebr_cursor__next(cur, &rec)) > 0) {
		if (filter && !ebr_type_bitmap__test(o->type_bitmap, rec->type))
			continue;
		if (o->filter && !ebr_filter__match(o->filter, rec))
			continue;
		c->st.records++;
		if (rec->ts > last)
			last = rec->ts;
		err = agg__add(c->agg, rec);
		if (!err)
			err = one_event(c, rec);
		if (err)
			break;
		if (ferror(c->out)) {
			err = -EIO;
			break;
		}
	}
	if (err < 0 && err != -EIO)
		pr_err("reading %s failed: %s", ebr_reader__path(c->r), strerror(-err));
	if (!err && ebr_cursor__stats(cur)->segments_lost)
		pr_warn("%" PRIu64 " damaged segments were skipped", ebr_cursor__stats(cur)->segments_lost);
	ebr_cursor__close(cur);
	if (err)
		return err;
	err = open_connections(c, last);
	if (err)
		return err;
	if (!o->no_counters) {
		agg__add_drops(c->agg);
		write_counters(c);
	}
	write_names(c);
	return 0;
}

int export_chrome_trace(struct ebr_reader *r, const struct chrome_trace_opts *opts, FILE *out)
{
	static const cookie_io_functions_t io = { .write = counting_write };
	struct chrome_trace_opts o = { 0 };
	struct agg_opts ao = { .sz = sizeof(ao) };
	struct counting cnt = { .to = out };
	struct chrome c = { 0 };
	int err = -ENOMEM;

	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	c.r = r;
	c.in = ebr_reader__info(r);
	c.machine = c.in->machine;
	c.t0 = c.in->t_first;
	c.first = 1;
	ao.from_ts = o.from_ts;
	ao.to_ts = o.to_ts;
	ao.bucket_ns = o.bucket_ns;
	ao.filter = o.filter;
	c.dec = ebr_decoder__new(ebr_reader__schema(r), c.in, NULL);
	c.ef = malloc(sizeof(*c.ef));
	c.nest = slice_nest__new();
	c.agg = agg__new(r, &ao);
	c.threads = hmap__new(sizeof(struct thread));
	c.procs = hmap__new(sizeof(struct proc));
	c.conns = hmap__new(sizeof(struct conn));
	c.lanes = hmap__new(sizeof(uint64_t));
	c.out = fopencookie(&cnt, "w", io);
	if (!c.dec || !c.ef || !c.nest || !c.agg || !c.threads || !c.procs || !c.conns || !c.lanes || !c.out) {
		pr_err("out of memory setting up the trace export");
		goto out;
	}
	/* big writes: the output is one long stream */
	setvbuf(c.out, NULL, _IOFBF, 1 << 20);
	evfields__init(c.ef, ebr_reader__schema(r));
	err = ebr_reader__meta_records(r, EBR_META_PROCS, snapshot_proc, &c);
	if (err) {
		pr_err("reading the capture's process snapshot failed: %s", strerror(-err));
		goto out;
	}
	write_header(&c, &o);
	err = run(&c, &o);
	if (err == -ENOMEM)
		pr_err("out of memory while exporting the trace");
	fputs("\n]}\n", c.out);
out:
	if (c.out && fclose(c.out) && !err)
		err = -errno;
	if (!err && (fflush(out) || ferror(out)))
		err = -(errno ? errno : EIO);
	if (err == -EIO || err == -ENOSPC || err == -EPIPE || err == -EDQUOT)
		pr_err("writing the trace failed: %s", strerror(-err));
	c.st.bytes = cnt.bytes;
	if (o.stats)
		*o.stats = c.st;
	hmap__free(c.lanes);
	hmap__free(c.conns);
	hmap__free(c.procs);
	hmap__free(c.threads);
	agg__free(c.agg);
	slice_nest__free(c.nest);
	free(c.ef);
	ebr_decoder__free(c.dec);
	return err;
}
