// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE /* qsort_r */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "evfields.h"
#include "hmap.h"
#include "internal.h"
#include "names.h"

struct agg {
	struct ebr_reader *r;
	const struct ebr_schema *schema;
	const char *machine;
	struct evfields *ef;
	uint64_t from_ts, to_ts; /* window; to_ts 0: open */
	const struct ebr_filter *filter;
	uint64_t start_ts, bucket_ns;
	size_t n_buckets;
	uint64_t *events; /* [n_buckets][EBR_FAM_NR] */
	uint64_t *drops; /* [n_buckets][EBR_DROP_NR] */
	uint64_t family_total[EBR_FAM_NR];
	uint64_t drop_total[EBR_DROP_NR];
	uint64_t total;
	uint64_t t_first, t_last;
	int drops_added;
	struct hmap *procs; /* pid -> struct agg_proc */
	struct hmap *syscalls; /* nr -> struct agg_syscall */
	struct hmap *files; /* path -> struct agg_file */
	struct hmap *peers; /* struct peer_key -> struct agg_peer */
	const void **sorted; /* scratch for the top-N views */
	size_t sorted_cap;
};

struct peer_key {
	uint8_t addr[16];
	uint16_t port;
	uint16_t protocol;
	uint32_t incoming;
};

/* ---------------------------------------------------------------- histograms */

unsigned hist__bucket(uint64_t v)
{
	return v ? 64 - (unsigned)__builtin_clzll(v) : 0;
}

uint64_t hist__low(unsigned i)
{
	return i ? 1ULL << (i - 1) : 0;
}

void hist__add(struct hist *h, uint64_t v)
{
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
	h->b[hist__bucket(v)]++;
}

int hist__range(const struct hist *h, unsigned *first, unsigned *last)
{
	int any = 0;

	*first = *last = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if (!h->b[i])
			continue;
		if (!any)
			*first = i;
		*last = i;
		any = 1;
	}
	return any;
}

/* ---------------------------------------------------------------- setup */

static uint64_t pick_bucket(uint64_t span, unsigned max_buckets)
{
	static const uint64_t ms = 1000000ULL;
	static const uint64_t steps[] = {
		1 * ms, 2 * ms, 5 * ms, 10 * ms, 20 * ms, 50 * ms, 100 * ms, 200 * ms, 500 * ms,
		1000 * ms, 2000 * ms, 5000 * ms, 10000 * ms, 15000 * ms, 30000 * ms, 60000 * ms,
		120000 * ms, 300000 * ms, 600000 * ms, 1800000 * ms, 3600000 * ms,
	};
	uint64_t step;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span / steps[i] < max_buckets)
			return steps[i];
	/* days of capture: whole hours */
	step = steps[sizeof(steps) / sizeof(steps[0]) - 1];
	while (span / step >= max_buckets)
		step *= 2;
	return step;
}

struct agg *agg__new(struct ebr_reader *r, const struct agg_opts *opts)
{
	const struct ebr_capture_info *in = ebr_reader__info(r);
	struct agg_opts o = { 0 };
	struct agg *a;
	uint64_t end, span;

	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	a = calloc(1, sizeof(*a));
	if (!a)
		goto nomem;
	a->r = r;
	a->schema = ebr_reader__schema(r);
	a->machine = in->machine;
	a->from_ts = o.from_ts;
	a->to_ts = o.to_ts;
	a->filter = o.filter;
	a->ef = malloc(sizeof(*a->ef));
	a->procs = hmap__new(sizeof(struct agg_proc));
	a->syscalls = hmap__new(sizeof(struct agg_syscall));
	a->files = hmap__new(sizeof(struct agg_file));
	a->peers = hmap__new(sizeof(struct agg_peer));
	if (!a->ef || !a->procs || !a->syscalls || !a->files || !a->peers)
		goto nomem;
	evfields__init(a->ef, a->schema);

	/* the series covers the window, or the whole capture */
	a->start_ts = o.from_ts > in->t_first ? o.from_ts : in->t_first;
	end = in->n_records ? in->t_last + 1 : a->start_ts;
	if (o.to_ts && o.to_ts < end)
		end = o.to_ts;
	span = end > a->start_ts ? end - a->start_ts : 0;
	a->bucket_ns = o.bucket_ns ? o.bucket_ns : pick_bucket(span, o.max_buckets ? o.max_buckets : 300);
	a->n_buckets = span ? (size_t)((span + a->bucket_ns - 1) / a->bucket_ns) : 0;
	if (a->n_buckets > 10000000) {
		pr_err("a time series of %zu buckets is too long: choose wider buckets", a->n_buckets);
		agg__free(a);
		errno = EINVAL;
		return NULL;
	}
	a->events = calloc(a->n_buckets + 1, EBR_FAM_NR * sizeof(uint64_t));
	a->drops = calloc(a->n_buckets + 1, EBR_DROP_NR * sizeof(uint64_t));
	if (!a->events || !a->drops)
		goto nomem;
	return a;
nomem:
	pr_err("out of memory for the aggregation tables");
	agg__free(a);
	errno = ENOMEM;
	return NULL;
}

void agg__free(struct agg *a)
{
	if (!a)
		return;
	free(a->ef);
	hmap__free(a->procs);
	hmap__free(a->syscalls);
	hmap__free(a->files);
	hmap__free(a->peers);
	free(a->events);
	free(a->drops);
	free(a->sorted);
	free(a);
}

/* ---------------------------------------------------------------- counting */

static int in_window(const struct agg *a, uint64_t ts)
{
	return ts >= a->from_ts && (!a->to_ts || ts < a->to_ts);
}

static size_t bucket_of(const struct agg *a, uint64_t ts)
{
	size_t b;

	if (ts < a->start_ts || !a->n_buckets)
		return 0;
	b = (size_t)((ts - a->start_ts) / a->bucket_ns);
	return b < a->n_buckets ? b : a->n_buckets - 1;
}

static int add_syscall(struct agg *a, const struct ebr_event_header *rec, struct agg_proc *p)
{
	struct evfields *ef = a->ef;
	uint32_t nr = (uint32_t)evf__u64(ef, rec, EVF_NR, 0);
	uint64_t dur = evf__u64(ef, rec, EVF_DURATION, 0);
	uint64_t flags = evf__u64(ef, rec, EVF_SYSCALL_FLAGS, 0);
	int64_t ret = evf__s64(ef, rec, EVF_RET, 0);
	struct agg_syscall *s;

	/* no start time (began before recording) or no return (exit): no latency */
	if (flags & (EBR_SYSCALL_NO_RETURN | EBR_SYSCALL_UNPAIRED))
		dur = 0;
	p->syscalls++;
	p->syscall_ns += dur;
	s = hmap__get_u64(a->syscalls, nr, 1);
	if (!s)
		return -ENOMEM;
	if (!s->ns.count && !s->errors && !s->name[0]) {
		const char *name = ebr_syscall_name(a->machine, nr);

		s->nr = nr;
		if (name)
			snprintf(s->name, sizeof(s->name), "%s", name);
		else
			snprintf(s->name, sizeof(s->name), "syscall_%u", nr);
	}
	if (ret < 0 && ret > -4096)
		s->errors++;
	if (flags & (EBR_SYSCALL_NO_RETURN | EBR_SYSCALL_UNPAIRED)) {
		s->ns.count++; /* counted, but not in the latency buckets */
		s->us.count++;
		return 0;
	}
	hist__add(&s->ns, dur);
	hist__add(&s->us, dur / 1000);
	return 0;
}

static int add_file(struct agg *a, const struct ebr_event_header *rec)
{
	struct evfields *ef = a->ef;
	int64_t ret = evf__s64(ef, rec, EVF_RET, 0);
	size_t len;
	const char *name = evf__str(ef, rec, EVF_FILENAME, &len);
	struct agg_file *f;

	if (!name || !len) {
		name = "(unknown)";
		len = strlen(name);
	}
	f = hmap__get(a->files, name, len, 1);
	if (!f)
		return -ENOMEM;
	if (rec->type == EBR_T_READ) {
		f->reads++;
		f->read_bytes += ret > 0 ? (uint64_t)ret : 0;
	} else {
		f->writes++;
		f->write_bytes += ret > 0 ? (uint64_t)ret : 0;
	}
	f->io_ns += evf__u64(ef, rec, EVF_DURATION, 0);
	return 0;
}

const char *agg_format_ip(const uint8_t addr[16], char *buf, size_t len)
{
	static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(addr, v4_prefix, sizeof(v4_prefix))) {
		if (!inet_ntop(AF_INET, addr + 12, buf, (socklen_t)len))
			snprintf(buf, len, "?");
	} else if (!inet_ntop(AF_INET6, addr, buf, (socklen_t)len)) {
		snprintf(buf, len, "?");
	}
	return buf;
}

static int add_peer(struct agg *a, const struct ebr_event_header *rec)
{
	struct evfields *ef = a->ef;
	const uint8_t *daddr = evf__ip(ef, rec, EVF_DADDR);
	struct peer_key k;
	struct agg_peer *p;
	int tcp = rec->type == EBR_T_TCP_CLOSE;

	if (!daddr)
		return 0;
	memset(&k, 0, sizeof(k));
	memcpy(k.addr, daddr, 16);
	k.protocol = tcp ? 6 : 17;
	/* an accepted connection's remote port is ephemeral: the service port says more */
	k.incoming = tcp && evf__u64(ef, rec, EVF_DIRECTION, 0) == EBR_DIR_IN;
	k.port = (uint16_t)evf__u64(ef, rec, k.incoming ? EVF_SPORT : EVF_DPORT, 0);
	p = hmap__get(a->peers, &k, sizeof(k), 1);
	if (!p)
		return -ENOMEM;
	if (!p->conns) {
		char ip[48];
		int v6 = !strchr(agg_format_ip(k.addr, ip, sizeof(ip)), '.');

		memcpy(p->addr, k.addr, 16);
		p->port = k.port;
		p->protocol = k.protocol;
		p->incoming = k.incoming;
		if (k.incoming)
			snprintf(p->name, sizeof(p->name), "%s -> :%u", ip, k.port);
		else
			snprintf(p->name, sizeof(p->name), v6 ? "[%s]:%u%s" : "%s:%u%s", ip, k.port,
				 tcp ? "" : "/udp");
	}
	p->conns++;
	if (rec->type == EBR_T_UDP_RECV)
		p->received += evf__u64(ef, rec, EVF_BYTES_RECEIVED, 0);
	else if (rec->type == EBR_T_UDP_SEND)
		p->sent += evf__u64(ef, rec, EVF_BYTES_SENT, 0);
	else {
		p->sent += evf__u64(ef, rec, EVF_BYTES_SENT, 0);
		p->received += evf__u64(ef, rec, EVF_BYTES_RECEIVED, 0);
		p->retransmits += evf__u64(ef, rec, EVF_RETRANSMITS, 0);
	}
	return 0;
}

int agg__add(struct agg *a, const struct ebr_event_header *rec)
{
	const struct ebr_type *t;
	struct agg_proc *p;
	unsigned fam;

	if (!in_window(a, rec->ts))
		return 0;
	t = ebr_schema__type(a->schema, rec->type);
	fam = t && t->family < EBR_FAM_NR ? t->family : EBR_FAM_CUSTOM;
	if (a->n_buckets)
		a->events[bucket_of(a, rec->ts) * EBR_FAM_NR + fam]++;
	a->family_total[fam]++;
	if (!a->total++ || rec->ts < a->t_first)
		a->t_first = rec->ts;
	if (rec->ts > a->t_last)
		a->t_last = rec->ts;
	p = hmap__get_u64(a->procs, rec->pid, 1);
	if (!p)
		return -ENOMEM;
	p->pid = rec->pid;
	p->events++;
	memcpy(p->comm, rec->comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = 0;
	switch (rec->type) {
	case EBR_T_SYSCALL:
		return add_syscall(a, rec, p);
	case EBR_T_READ:
	case EBR_T_WRITE:
		return add_file(a, rec);
	case EBR_T_TCP_CLOSE:
	case EBR_T_UDP_SEND:
	case EBR_T_UDP_RECV:
		return add_peer(a, rec);
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------- drops */

static int by_seq(const void *x, const void *y)
{
	const struct ebr_segment_info *a = *(const struct ebr_segment_info *const *)x;
	const struct ebr_segment_info *b = *(const struct ebr_segment_info *const *)y;

	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * Spread n drops over [from, to) in proportion to each bucket's share, so a
 * counter sampled once a segment shows as a rate over the time it covers.
 * Cumulative rounding keeps the total exact.
 */
static void spread(struct agg *a, unsigned reason, uint64_t n, uint64_t from, uint64_t to)
{
	uint64_t lo = a->start_ts, hi = lo + a->n_buckets * a->bucket_ns;
	uint64_t p = from > lo ? from : lo, end, span, done;

	if (to <= from)
		to = from + 1;
	span = to - from;
	end = to < hi ? to : hi;
	if (p >= end)
		return;
	done = (uint64_t)((unsigned __int128)n * (p - from) / span);
	while (p < end) {
		size_t b = (size_t)((p - lo) / a->bucket_ns);
		uint64_t q = lo + (b + 1) * a->bucket_ns;
		uint64_t upto;

		if (q > end)
			q = end;
		upto = (uint64_t)((unsigned __int128)n * (q - from) / span);
		a->drops[b * EBR_DROP_NR + reason] += upto - done;
		a->drop_total[reason] += upto - done;
		done = upto;
		p = q;
	}
}

void agg__add_drops(struct agg *a)
{
	size_t n = ebr_reader__segment_count(a->r);
	const struct ebr_segment_info **segs;
	uint64_t prev[EBR_DROP_NR] = { 0 }, prev_t = 0;

	if (a->drops_added || !n || !a->n_buckets)
		return;
	a->drops_added = 1;
	segs = malloc(n * sizeof(*segs));
	if (!segs) {
		pr_warn("out of memory: drops are left out of the time series");
		return;
	}
	for (size_t i = 0; i < n; i++)
		segs[i] = ebr_reader__segment(a->r, i);
	qsort(segs, n, sizeof(*segs), by_seq);
	for (size_t i = 0; i < n; i++) {
		const struct ebr_segment_info *s = segs[i];
		/* the counters were read when the segment closed: they cover the time since the last one */
		uint64_t from = i ? prev_t : s->t_first, to = s->t_last + 1;

		if (!s->n_records) {
			from = prev_t ? prev_t : a->start_ts;
			to = from + 1;
		}
		for (unsigned d = 0; d < EBR_DROP_NR && d < EBR_DROP_REASONS; d++) {
			/* a counter that went down was reset: count from zero */
			uint64_t delta = s->drops[d] >= prev[d] ? s->drops[d] - prev[d] : s->drops[d];

			if (delta)
				spread(a, d, delta, from, to);
			prev[d] = s->drops[d];
		}
		if (s->n_records)
			prev_t = s->t_last + 1;
	}
	free(segs);
}

int agg__run(struct agg *a, const uint64_t *type_bitmap)
{
	struct ebr_cursor_opts co = { .sz = sizeof(co), .from_ts = a->from_ts, .to_ts = a->to_ts,
				      .unordered = 1 };
	const struct ebr_event_header *rec;
	struct ebr_cursor *c;
	int err;

	if (type_bitmap) {
		co.type_bitmap[0] = type_bitmap[0];
		co.type_bitmap[1] = type_bitmap[1];
	}
	c = ebr_cursor__open(a->r, &co);
	if (!c)
		return -errno;
	while ((err = ebr_cursor__next(c, &rec)) > 0) {
		if (type_bitmap && (type_bitmap[0] | type_bitmap[1]) &&
		    !ebr_type_bitmap__test(type_bitmap, rec->type))
			continue;
		if (a->filter && !ebr_filter__match(a->filter, rec))
			continue;
		err = agg__add(a, rec);
		if (err) {
			pr_err("out of memory while aggregating");
			break;
		}
	}
	if (err < 0 && err != -ENOMEM)
		pr_err("reading %s failed: %s", ebr_reader__path(a->r), strerror(-err));
	ebr_cursor__close(c);
	agg__add_drops(a);
	return err < 0 ? err : 0;
}

/* ---------------------------------------------------------------- views */

size_t agg__n_buckets(const struct agg *a)
{
	return a->n_buckets;
}

uint64_t agg__bucket_ns(const struct agg *a)
{
	return a->bucket_ns;
}

uint64_t agg__start_ts(const struct agg *a)
{
	return a->start_ts;
}

uint64_t agg__events(const struct agg *a, size_t bucket, unsigned family)
{
	return bucket < a->n_buckets && family < EBR_FAM_NR ? a->events[bucket * EBR_FAM_NR + family] : 0;
}

uint64_t agg__drops(const struct agg *a, size_t bucket, unsigned reason)
{
	return bucket < a->n_buckets && reason < EBR_DROP_NR ? a->drops[bucket * EBR_DROP_NR + reason] : 0;
}

uint64_t agg__family_total(const struct agg *a, unsigned family)
{
	return family < EBR_FAM_NR ? a->family_total[family] : 0;
}

uint64_t agg__drop_total(const struct agg *a, unsigned reason)
{
	return reason < EBR_DROP_NR ? a->drop_total[reason] : 0;
}

uint64_t agg__total(const struct agg *a)
{
	return a->total;
}

uint64_t agg__t_first(const struct agg *a)
{
	return a->t_first;
}

uint64_t agg__t_last(const struct agg *a)
{
	return a->t_last;
}

static int cmp_u64_desc(uint64_t x, uint64_t y)
{
	return x > y ? -1 : x < y;
}

static int cmp_proc(const void *x, const void *y, void *ctx)
{
	enum agg_order sort_order = *(const enum agg_order *)ctx;
	const struct agg_proc *a = *(const struct agg_proc *const *)x, *b = *(const struct agg_proc *const *)y;
	int c = sort_order == AGG_PROC_BY_SYSCALL_NS ? cmp_u64_desc(a->syscall_ns, b->syscall_ns)
						      : cmp_u64_desc(a->events, b->events);

	return c ? c : (a->pid > b->pid) - (a->pid < b->pid);
}

static int cmp_syscall(const void *x, const void *y, void *ctx)
{
	enum agg_order sort_order = *(const enum agg_order *)ctx;
	const struct agg_syscall *a = *(const struct agg_syscall *const *)x;
	const struct agg_syscall *b = *(const struct agg_syscall *const *)y;
	int c = sort_order == AGG_SYSCALL_BY_NS ? cmp_u64_desc(a->ns.sum, b->ns.sum)
						 : cmp_u64_desc(a->ns.count, b->ns.count);

	return c ? c : (a->nr > b->nr) - (a->nr < b->nr);
}

static int cmp_file(const void *x, const void *y, void *ctx)
{
	(void)ctx;
	const struct agg_file *a = *(const struct agg_file *const *)x, *b = *(const struct agg_file *const *)y;
	int c = cmp_u64_desc(a->read_bytes + a->write_bytes, b->read_bytes + b->write_bytes);

	if (!c)
		c = cmp_u64_desc(a->reads + a->writes, b->reads + b->writes);
	return c ? c : strcmp(a->name, b->name);
}

static int cmp_peer(const void *x, const void *y, void *ctx)
{
	(void)ctx;
	const struct agg_peer *a = *(const struct agg_peer *const *)x, *b = *(const struct agg_peer *const *)y;
	int c = cmp_u64_desc(a->sent + a->received, b->sent + b->received);

	if (!c)
		c = cmp_u64_desc(a->conns, b->conns);
	return c ? c : strcmp(a->name, b->name);
}

/* Every value of m, sorted; the scratch array is reused between calls. */
static size_t top(struct agg *a, struct hmap *m, int (*cmp)(const void *, const void *, void *), enum agg_order by,
		  const void **out, size_t n)
{
	size_t count = hmap__count(m);

	if (count > a->sorted_cap) {
		const void **p = realloc(a->sorted, count * sizeof(*p));

		if (!p) {
			pr_err("out of memory sorting %zu rows", count);
			return 0;
		}
		a->sorted = p;
		a->sorted_cap = count;
	}
	for (size_t i = 0; i < count; i++)
		a->sorted[i] = hmap__value_at(m, i);
	if (count)
		qsort_r(a->sorted, count, sizeof(*a->sorted), cmp, &by);
	if (n > count)
		n = count;
	if (n)
		memcpy(out, a->sorted, n * sizeof(*out));
	return n;
}

size_t agg__top_procs(struct agg *a, enum agg_order by, const struct agg_proc **out, size_t n)
{
	return top(a, a->procs, cmp_proc, by, (const void **)out, n);
}

size_t agg__top_syscalls(struct agg *a, enum agg_order by, const struct agg_syscall **out, size_t n)
{
	return top(a, a->syscalls, cmp_syscall, by, (const void **)out, n);
}

size_t agg__top_files(struct agg *a, const struct agg_file **out, size_t n)
{
	/* names point into the key store, which only moves when an entry is added */
	for (size_t i = 0; i < hmap__count(a->files); i++)
		((struct agg_file *)hmap__value_at(a->files, i))->name = hmap__key_at(a->files, i, NULL);
	return top(a, a->files, cmp_file, AGG_FILE_BY_BYTES, (const void **)out, n);
}

size_t agg__top_peers(struct agg *a, const struct agg_peer **out, size_t n)
{
	return top(a, a->peers, cmp_peer, AGG_PEER_BY_BYTES, (const void **)out, n);
}
