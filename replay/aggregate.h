/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the report, `ebpfrec top` and the trace exporter's counters show,
 * computed once: events and drops over time, log2 latency histograms per
 * syscall, and top-N tables (processes, syscalls, files, network peers).
 * Records are read through the capture's schema (evfields.h).
 */
#ifndef EBPFREC_REPLAY_AGGREGATE_H
#define EBPFREC_REPLAY_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "ebpfrec/capture.h"
#include "ebpfrec/filter.h"
#include "events.h"

/* ---------------------------------------------------------------- histograms */

/* bucket 0 holds 0, bucket i > 0 holds [2^(i-1), 2^i) */
#define HIST_BUCKETS 65

struct hist {
	uint64_t count;
	uint64_t sum;
	uint64_t max;
	uint64_t b[HIST_BUCKETS];
};

unsigned hist__bucket(uint64_t v);
/* Lowest value of bucket i (0, 1, 2, 4, ...). */
uint64_t hist__low(unsigned i);
void hist__add(struct hist *h, uint64_t v);
/* Indexes of the first and last non-empty bucket; 0 when the histogram is empty. */
int hist__range(const struct hist *h, unsigned *first, unsigned *last);

/* ---------------------------------------------------------------- tables */

struct agg_proc {
	uint32_t pid;
	char comm[16]; /* of its latest event */
	uint64_t events;
	uint64_t syscalls;
	uint64_t syscall_ns;
};

struct agg_syscall {
	uint32_t nr;
	char name[32]; /* "read", or "syscall_<nr>" */
	uint64_t errors; /* returned -errno */
	struct hist ns; /* durations, ns (count and sum are the totals) */
	struct hist us; /* the same durations in whole microseconds, as bpftrace shows them */
};

struct agg_file {
	const char *name; /* "(unknown)" when the event had no path */
	uint64_t reads, read_bytes;
	uint64_t writes, write_bytes;
	uint64_t io_ns; /* time in read and write */
};

struct agg_peer {
	uint8_t addr[16]; /* remote address, IPv4 mapped */
	uint16_t port; /* remote port; for accepted connections the local (service) port */
	uint16_t protocol; /* IPPROTO_TCP / IPPROTO_UDP */
	uint32_t incoming; /* accepted connections / received datagrams: port is ours */
	char name[96]; /* "10.0.0.1:443", "[::1]:80", "10.0.0.2 -> :8080" (incoming) */
	uint64_t conns; /* tcp_close events, or datagrams for UDP */
	uint64_t sent, received;
	uint64_t retransmits;
};

enum agg_order {
	AGG_PROC_BY_EVENTS,
	AGG_PROC_BY_SYSCALL_NS,
	AGG_SYSCALL_BY_COUNT,
	AGG_SYSCALL_BY_NS,
	AGG_FILE_BY_BYTES, /* read + written */
	AGG_PEER_BY_BYTES, /* sent + received */
};

/* ---------------------------------------------------------------- aggregation */

struct agg_opts {
	size_t sz; /* sizeof(struct agg_opts) */
	uint64_t from_ts; /* window, boot ns: only events in [from_ts, to_ts) count; 0: open */
	uint64_t to_ts;
	uint64_t bucket_ns; /* width of the time series' buckets; 0: chosen from the span */
	unsigned max_buckets; /* when choosing: at most this many; 0: 300 */
	const struct ebr_filter *filter; /* agg__run counts only matching events; NULL: all */
};

struct agg;

/* NULL + errno (explained through the log) on failure. */
struct agg *agg__new(struct ebr_reader *r, const struct agg_opts *o);
void agg__free(struct agg *a);

/* Count one record (the caller's cursor delivers them). Records outside the window are ignored. */
int agg__add(struct agg *a, const struct ebr_event_header *rec);
/* Spread the segments' drop counters over the series (once, after or before the records). */
void agg__add_drops(struct agg *a);
/*
 * Everything at once: a cursor over the window (only types set in
 * type_bitmap, NULL or all zero: every type), then the drops.
 */
int agg__run(struct agg *a, const uint64_t *type_bitmap);

/* The series: n buckets of bucket_ns from start_ts (boot ns). */
size_t agg__n_buckets(const struct agg *a);
uint64_t agg__bucket_ns(const struct agg *a);
uint64_t agg__start_ts(const struct agg *a);
uint64_t agg__events(const struct agg *a, size_t bucket, unsigned family);
uint64_t agg__drops(const struct agg *a, size_t bucket, unsigned reason);
uint64_t agg__family_total(const struct agg *a, unsigned family);
uint64_t agg__drop_total(const struct agg *a, unsigned reason);
uint64_t agg__total(const struct agg *a);
/* First and last event time counted (boot ns); 0 when none. */
uint64_t agg__t_first(const struct agg *a);
uint64_t agg__t_last(const struct agg *a);

/*
 * The top n rows of a table in the given order (ties: by pid, nr, name), as
 * pointers valid until the next agg__add or agg__free. Returns how many.
 */
size_t agg__top_procs(struct agg *a, enum agg_order by, const struct agg_proc **out, size_t n);
size_t agg__top_syscalls(struct agg *a, enum agg_order by, const struct agg_syscall **out, size_t n);
size_t agg__top_files(struct agg *a, const struct agg_file **out, size_t n);
size_t agg__top_peers(struct agg *a, const struct agg_peer **out, size_t n);

/* "127.0.0.1" or "2001:db8::1" for 16 address bytes (IPv4 mapped). Returns buf. */
const char *agg_format_ip(const uint8_t addr[16], char *buf, size_t len);

#endif
