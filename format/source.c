// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Subscriptions: each has a byte ring of queued events and a thread that
 * calls its callback. Publishing copies the record in (no allocation) and
 * never waits unless the source is lossless (capture files, where waiting
 * costs nothing but time). A direct subscription has neither: publishing
 * calls its callback.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "internal.h"
#include "source_internal.h"

#define DEFAULT_BUFFER (4u << 20)
#define ENTRY_WRAP 0xffffffffu /* marks the unused tail of the ring: continue at 0 */

struct entry {
	uint32_t size; /* of the whole entry, multiple of 8; ENTRY_WRAP for a wrap marker */
	uint32_t input;
	/* record follows */
};

struct ebr_subscription {
	struct ebr_source *src;
	ebr_event_fn fn;
	void *ctx;
	struct ebr_filter **filters; /* one per input: schemas may differ */
	char *expr; /* the filter's text: compiled again when a live source sees new containers */
	char *ring;
	size_t cap;
	uint64_t head, tail; /* bytes written / consumed, ever */
	pthread_mutex_t mu;
	pthread_cond_t data_cv; /* the subscriber thread waits here for events */
	pthread_cond_t space_cv; /* a lossless publisher waits here for room */
	pthread_t thread;
	int stopping, ended;
	int direct; /* no thread: ring is only a copy to rewrite ts in */
	int consumer_waiting, publisher_waiting;
	uint64_t delivered, filtered, dropped;
	struct ebr_subscription *next;
};

static uint64_t boot_ns(void)
{
	struct timespec ts;

#ifdef CLOCK_BOOTTIME
	clock_gettime(CLOCK_BOOTTIME, &ts);
#else
	clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int ebr_source__init(struct ebr_source *s, const struct ebr_source_ops *ops, void *impl,
		     size_t n_inputs, const struct ebr_schema **schemas,
		     const struct ebr_capture_info **infos, int lossless)
{
	s->ops = ops;
	s->impl = impl;
	s->n_inputs = n_inputs;
	s->schemas = schemas;
	s->infos = infos;
	s->lossless = lossless;
	pthread_mutex_init(&s->compile_mu, NULL);
	return -pthread_mutex_init(&s->mu, NULL);
}

/* Space for len bytes at the write position, wrapping if needed; 0 when full. */
static int ring_reserve(struct ebr_subscription *sub, size_t len, size_t *at)
{
	size_t pos = sub->head % sub->cap, free_bytes = sub->cap - (size_t)(sub->head - sub->tail);

	if (pos + len > sub->cap) {
		/* not contiguous: burn the tail with a wrap marker, start over at 0 */
		size_t waste = sub->cap - pos;

		if (free_bytes < waste + len)
			return 0;
		if (waste >= sizeof(uint32_t))
			((struct entry *)(sub->ring + pos))->size = ENTRY_WRAP;
		sub->head += waste;
		pos = 0;
		free_bytes -= waste;
	}
	if (free_bytes < len)
		return 0;
	*at = pos;
	return 1;
}

static void *sub_main(void *arg)
{
	struct ebr_subscription *sub = arg;
	struct ebr_source *s = sub->src;

	if (s->rt_priority) {
		/* woken once per drain, it must not then wait behind other programs either */
		struct sched_param sp = { .sched_priority = s->rt_priority };
		int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);

		if (err)
			pr_warn("a subscriber thread cannot run at real-time priority %d: %s; it runs at normal "
				"priority", s->rt_priority, strerror(err));
	}
	pthread_mutex_lock(&sub->mu);
	for (;;) {
		struct ebr_event ev;
		struct entry *e;
		size_t pos;
		int stop = 0;

		while (sub->head == sub->tail && !sub->stopping) {
			sub->consumer_waiting = 1;
			pthread_cond_wait(&sub->data_cv, &sub->mu);
			sub->consumer_waiting = 0;
		}
		if (sub->head == sub->tail)
			break; /* stopping, and everything queued was delivered */
		pos = sub->tail % sub->cap;
		e = (struct entry *)(sub->ring + pos);
		if (e->size == ENTRY_WRAP) {
			sub->tail += sub->cap - pos;
			continue;
		}
		/* the entry stays ours until tail moves past it: publish writes only at head */
		pthread_mutex_unlock(&sub->mu);
		if (!sub->ended) {
			ev.rec = (const struct ebr_event_header *)(e + 1);
			ev.schema = s->schemas[e->input];
			ev.capture = s->infos[e->input];
			ev.source = e->input;
			ev.delivered_ns = boot_ns();
			stop = sub->fn(&ev, sub->ctx);
		}
		pthread_mutex_lock(&sub->mu);
		if (!sub->ended)
			sub->delivered++;
		if (stop)
			sub->ended = 1;
		sub->tail += e->size;
		if (sub->publisher_waiting)
			pthread_cond_signal(&sub->space_cv);
	}
	pthread_mutex_unlock(&sub->mu);
	return NULL;
}

static void free_filters(struct ebr_filter **filters, size_t n)
{
	for (size_t i = 0; filters && i < n; i++)
		ebr_filter__free(filters[i]);
	free(filters);
}

/*
 * Several inputs: a container (pod, ...) must be known to one of them, not
 * to each. Checked against their cgroup tables together; 0 or -errno.
 */
static int check_names(struct ebr_source *s, const char *expr, struct ebr_filter_error *err)
{
	struct ebr_filter_opts all = { .sz = sizeof(all), .flags = EBR_FILTER_CGROUPS };
	struct ebr_cgroup_view *buf;
	struct ebr_filter *f;
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < s->n_inputs; i++)
		n += s->fopts[i].n_cgroups;
	buf = malloc((n ? n : 1) * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_inputs; i++) {
		if (!s->fopts[i].n_cgroups)
			continue;
		memcpy(buf + all.n_cgroups, s->fopts[i].cgroups, s->fopts[i].n_cgroups * sizeof(*buf));
		all.n_cgroups += s->fopts[i].n_cgroups;
	}
	all.cgroups = buf;
	f = ebr_filter__compile_opts(s->schemas[0], expr, &all, err);
	/* other errors are the per-input compiles' to report */
	if (!f && (errno == ENOENT || errno == ENOMEM))
		ret = -errno;
	ebr_filter__free(f);
	free(buf);
	return ret;
}

/* One compiled filter per input: two captures may carry different schemas and cgroup tables. */
static struct ebr_filter **compile_filters_locked(struct ebr_source *s, const char *expr,
						  struct ebr_filter_error *err, uint32_t extra_flags)
{
	struct ebr_filter **f;
	int r;

	if (!expr || !*expr)
		return NULL;
	if (s->fopts && s->n_inputs > 1 && (r = check_names(s, expr, err))) {
		errno = r == -ENOMEM ? ENOMEM : EINVAL;
		return NULL;
	}
	f = calloc(s->n_inputs, sizeof(*f));
	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < s->n_inputs; i++) {
		struct ebr_filter_opts o = { .sz = sizeof(o) };

		if (s->fopts) {
			o = s->fopts[i];
			if (s->n_inputs > 1) /* checked above: known to some input */
				o.flags |= EBR_FILTER_UNKNOWN_OK;
			o.flags |= extra_flags;
		}
		f[i] = ebr_filter__compile_opts(s->schemas[i], expr, &o, err);
		if (!f[i]) {
			r = errno;
			free_filters(f, s->n_inputs);
			/* ENOENT: a container (pod, ...) the table does not know, which may still appear */
			errno = r == ENOMEM || r == ENOENT ? r : EINVAL;
			return NULL;
		}
	}
	return f;
}

static struct ebr_filter **compile_filters(struct ebr_source *s, const char *expr,
					   struct ebr_filter_error *err)
{
	struct ebr_filter **f;
	int e;

	pthread_mutex_lock(&s->compile_mu);
	f = compile_filters_locked(s, expr, err, 0);
	if (!f && errno == ENOENT && s->late_cgroups) {
		/* not there yet: it matches once its cgroup appears (the live source looks every second) */
		pr_warn("subscription filter: %s; it matches once it appears", err->message);
		f = compile_filters_locked(s, expr, err, EBR_FILTER_UNKNOWN_OK);
	}
	e = errno;
	pthread_mutex_unlock(&s->compile_mu);
	errno = e;
	return f;
}

int ebr_source__filters_use_cgroups(struct ebr_source *s)
{
	int uses = 0;

	pthread_mutex_lock(&s->mu);
	for (struct ebr_subscription *sub = s->subs; sub && !uses; sub = sub->next)
		uses = sub->filters && ebr_filter__uses_cgroups(sub->filters[0]);
	pthread_mutex_unlock(&s->mu);
	return uses;
}

void ebr_source__recompile_cgroup_filters(struct ebr_source *s)
{
	pthread_mutex_lock(&s->mu); /* publishing holds it too: no event sees half a swap */
	for (struct ebr_subscription *sub = s->subs; sub; sub = sub->next) {
		struct ebr_filter_error err;
		struct ebr_filter **f, **old;

		if (!sub->expr || !sub->filters || !ebr_filter__uses_cgroups(sub->filters[0]))
			continue;
		pthread_mutex_lock(&s->compile_mu);
		f = compile_filters_locked(s, sub->expr, &err, EBR_FILTER_UNKNOWN_OK);
		pthread_mutex_unlock(&s->compile_mu);
		if (!f) {
			pr_warn("cannot resolve a subscription's containers again: %s", err.message);
			continue;
		}
		old = sub->filters;
		sub->filters = f;
		free_filters(old, s->n_inputs);
	}
	pthread_mutex_unlock(&s->mu);
}

struct ebr_subscription *ebr_source__subscribe(struct ebr_source *s, const struct ebr_subscribe_opts *opts)
{
	struct ebr_subscribe_opts o = {0};
	struct ebr_filter_error ferr = {0};
	struct ebr_subscription *sub;
	int err;

	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (!o.fn) {
		pr_err("a subscription needs a callback");
		errno = EINVAL;
		return NULL;
	}
	sub = calloc(1, sizeof(*sub));
	if (!sub) {
		errno = ENOMEM;
		return NULL;
	}
	sub->src = s;
	sub->fn = o.fn;
	sub->ctx = o.ctx;
	sub->direct = o.direct != 0;
	sub->cap = ebr_align8(o.buffer_size ? o.buffer_size : DEFAULT_BUFFER);
	if (sub->cap < 65536 + sizeof(struct entry))
		sub->cap = 65536 + 64; /* room for the largest record */
	if (sub->direct)
		sub->cap = 65536 + 256; /* a record whose ts is rewritten: a custom one, with our header */
	sub->ring = malloc(sub->cap);
	if (!sub->ring) {
		free(sub);
		errno = ENOMEM;
		return NULL;
	}
	if (o.filter) {
		sub->filters = compile_filters(s, o.filter, &ferr);
		sub->expr = sub->filters ? strdup(o.filter) : NULL;
		if (!sub->expr) {
			err = sub->filters ? ENOMEM : errno;
			if (err == EINVAL || err == ENOENT)
				pr_err("subscription filter, column %u: %s", ferr.column, ferr.message);
			free_filters(sub->filters, s->n_inputs);
			free(sub->ring);
			free(sub);
			errno = err;
			return NULL;
		}
	}
	pthread_mutex_init(&sub->mu, NULL);
	pthread_cond_init(&sub->data_cv, NULL);
	pthread_cond_init(&sub->space_cv, NULL);
	err = sub->direct ? 0 : pthread_create(&sub->thread, NULL, sub_main, sub);
	if (err) {
		free_filters(sub->filters, s->n_inputs);
		free(sub->expr);
		free(sub->ring);
		free(sub);
		errno = err;
		return NULL;
	}
	pthread_mutex_lock(&s->mu);
	sub->next = s->subs;
	s->subs = sub;
	s->n_subs++;
	pthread_mutex_unlock(&s->mu);
	return sub;
}

int ebr_subscription__set_filter(struct ebr_subscription *sub, const char *expr,
				 struct ebr_filter_error *err)
{
	struct ebr_source *s = sub->src;
	struct ebr_filter_error local;
	struct ebr_filter **f = compile_filters(s, expr, err ? err : &local), **old;
	char *text = f ? strdup(expr) : NULL, *old_text;

	if (!f && expr && *expr)
		return -errno;
	if (f && !text) {
		free_filters(f, s->n_inputs);
		return -ENOMEM;
	}
	pthread_mutex_lock(&s->mu); /* publishing holds it: no event sees half a swap */
	old = sub->filters;
	old_text = sub->expr;
	sub->filters = f;
	sub->expr = text;
	pthread_mutex_unlock(&s->mu);
	free_filters(old, s->n_inputs);
	free(old_text);
	return 0;
}

/* A direct subscription: the callback, here and now. */
static void deliver(struct ebr_source *s, struct ebr_subscription *sub, unsigned input,
		    const struct ebr_event_header *rec, uint64_t ts_override)
{
	struct ebr_event ev;
	int stop;

	if (ts_override && rec->size <= sub->cap) {
		memcpy(sub->ring, rec, rec->size);
		((struct ebr_event_header *)sub->ring)->ts = ts_override;
		rec = (const struct ebr_event_header *)sub->ring;
	}
	ev.rec = rec;
	ev.schema = s->schemas[input];
	ev.capture = s->infos[input];
	ev.source = input;
	ev.delivered_ns = boot_ns();
	stop = sub->fn(&ev, sub->ctx);
	pthread_mutex_lock(&sub->mu); /* the stats call reads them */
	sub->delivered++;
	if (stop)
		sub->ended = 1;
	pthread_mutex_unlock(&sub->mu);
}

void ebr_source__publish(struct ebr_source *s, unsigned input, const struct ebr_event_header *rec,
			 uint64_t ts_override)
{
	size_t len = sizeof(struct entry) + ebr_align8(rec->size);

	s->collected++;
	if (!__atomic_load_n(&s->n_subs, __ATOMIC_RELAXED))
		return; /* the common case while recording to a file: nothing to lock */
	pthread_mutex_lock(&s->mu);
	for (struct ebr_subscription *sub = s->subs; sub; sub = sub->next) {
		struct entry *e;
		size_t at;

		if (sub->ended)
			continue;
		if (sub->filters && !ebr_filter__match(sub->filters[input], rec)) {
			__atomic_add_fetch(&sub->filtered, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (sub->direct) {
			deliver(s, sub, input, rec, ts_override);
			continue;
		}
		pthread_mutex_lock(&sub->mu);
		while (!ring_reserve(sub, len, &at)) {
			if (!s->lossless || sub->ended || len > sub->cap) {
				sub->dropped++;
				goto next;
			}
			pthread_cond_signal(&sub->data_cv); /* it must drain before we can go on */
			sub->publisher_waiting = 1;
			pthread_cond_wait(&sub->space_cv, &sub->mu);
			sub->publisher_waiting = 0;
		}
		e = (struct entry *)(sub->ring + at);
		e->size = (uint32_t)len;
		e->input = input;
		memcpy(e + 1, rec, rec->size);
		if (ts_override)
			((struct ebr_event_header *)(e + 1))->ts = ts_override;
		sub->head += len;
		/*
		 * Waking the subscriber per event would cost a futex call each;
		 * wake it when a quarter of its queue is used, or at the flush
		 * that ends every poll.
		 */
		if (sub->consumer_waiting && sub->head - sub->tail >= sub->cap / 4)
			pthread_cond_signal(&sub->data_cv);
next:
		pthread_mutex_unlock(&sub->mu);
	}
	pthread_mutex_unlock(&s->mu);
}

void ebr_source__flush(struct ebr_source *s)
{
	pthread_mutex_lock(&s->mu);
	for (struct ebr_subscription *sub = s->subs; sub; sub = sub->next) {
		pthread_mutex_lock(&sub->mu);
		if (sub->consumer_waiting && sub->head != sub->tail)
			pthread_cond_signal(&sub->data_cv);
		pthread_mutex_unlock(&sub->mu);
	}
	pthread_mutex_unlock(&s->mu);
}

void ebr_source__drain(struct ebr_source *s)
{
	pthread_mutex_lock(&s->mu);
	for (struct ebr_subscription *sub = s->subs; sub; sub = sub->next) {
		pthread_mutex_lock(&sub->mu);
		while (sub->head != sub->tail && !sub->ended) {
			pthread_cond_signal(&sub->data_cv);
			sub->publisher_waiting = 1; /* the consumer signals space_cv as it goes */
			pthread_cond_wait(&sub->space_cv, &sub->mu);
			sub->publisher_waiting = 0;
		}
		pthread_mutex_unlock(&sub->mu);
	}
	pthread_mutex_unlock(&s->mu);
}

void ebr_source__sub_totals(struct ebr_source *s, uint64_t *delivered, uint64_t *filtered,
			    uint64_t *dropped)
{
	*delivered = *filtered = *dropped = 0;
	pthread_mutex_lock(&s->mu);
	for (struct ebr_subscription *sub = s->subs; sub; sub = sub->next) {
		uint64_t d, f, x;

		ebr_subscription__stats(sub, &d, &f, &x);
		*delivered += d;
		*filtered += f;
		*dropped += x;
	}
	pthread_mutex_unlock(&s->mu);
}

int ebr_subscription__stats(struct ebr_subscription *sub, uint64_t *delivered, uint64_t *filtered,
			    uint64_t *dropped)
{
	pthread_mutex_lock(&sub->mu);
	*delivered = sub->delivered;
	*dropped = sub->dropped;
	pthread_mutex_unlock(&sub->mu);
	*filtered = __atomic_load_n(&sub->filtered, __ATOMIC_RELAXED);
	return 0;
}

int ebr_source__poll(struct ebr_source *s, int timeout_ms)
{
	int n = s->ops->poll(s, timeout_ms);

	ebr_source__flush(s);
	return n;
}

struct ebr_recorder *ebr_source__recorder(struct ebr_source *s)
{
	return s->ops->recorder ? s->ops->recorder(s) : NULL;
}

int ebr_source__done(struct ebr_source *s)
{
	return s->ops->done(s);
}

int ebr_source__health(struct ebr_source *s, struct ebr_health *out)
{
	uint64_t d, f, x;

	memset(out, 0, sizeof(*out));
	s->ops->health(s, out);
	ebr_source__sub_totals(s, &d, &f, &x);
	if (x)
		ebr_health__add(out, EBR_ISSUE_WARNING, "subscriber", 0,
				"%llu events dropped: a subscriber's queue was full (slow callback)",
				(unsigned long long)x);
	for (unsigned i = 0; i < out->n_issues; i++)
		if (out->issues[i].severity >= EBR_ISSUE_WARNING && out->status == EBR_HEALTHY)
			out->status = EBR_DEGRADED;
	return 0;
}

int ebr_source__stats(struct ebr_source *s, struct ebr_source_stats *out)
{
	memset(out, 0, sizeof(*out));
	s->ops->stats(s, out);
	out->collected = s->collected;
	ebr_source__sub_totals(s, &out->delivered, &out->filtered, &out->subscriber_dropped);
	out->ringbuf_lost = out->dropped[EBR_DROP_RINGBUF_FULL];
	return 0;
}

void ebr_source__close(struct ebr_source *s)
{
	struct ebr_subscription *sub, *next;

	if (!s)
		return;
	s->ops->stop(s);
	for (sub = s->subs; sub; sub = next) {
		next = sub->next;
		pthread_mutex_lock(&sub->mu);
		sub->stopping = 1;
		pthread_cond_signal(&sub->data_cv);
		pthread_mutex_unlock(&sub->mu);
		if (!sub->direct)
			pthread_join(sub->thread, NULL);
		free_filters(sub->filters, s->n_inputs);
		free(sub->expr);
		pthread_mutex_destroy(&sub->mu);
		pthread_cond_destroy(&sub->data_cv);
		pthread_cond_destroy(&sub->space_cv);
		free(sub->ring);
		free(sub);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->compile_mu);
	s->ops->free(s);
}

void ebr_health__add(struct ebr_health *h, enum ebr_issue_severity sev, const char *component,
		     uint64_t since_ns, const char *fmt, ...)
{
	struct ebr_health_issue *i;
	va_list ap;

	if (h->n_issues >= EBR_HEALTH_MAX_ISSUES)
		return;
	i = &h->issues[h->n_issues++];
	i->severity = sev;
	ebr_strlcpy(i->component, component, sizeof(i->component));
	i->since_ns = since_ns;
	va_start(ap, fmt);
	vsnprintf(i->message, sizeof(i->message), fmt, ap);
	va_end(ap);
	if (sev == EBR_ISSUE_ERROR)
		h->status = EBR_UNHEALTHY;
}

const char *ebr_health_status__name(enum ebr_health_status st)
{
	return st == EBR_HEALTHY ? "healthy" : st == EBR_DEGRADED ? "degraded" : "unhealthy";
}
