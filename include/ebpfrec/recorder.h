/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The live recorder: loads and attaches the BPF programs, drains the ring
 * buffer into segments and hands them to a writer thread. Needs root (or
 * CAP_BPF + CAP_PERFMON); available when ebpfrec is built with the recorder.
 */
#ifndef EBPFREC_RECORDER_H
#define EBPFREC_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "filter.h"
#include "redact.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bit per enum ebr_family. */
#define EBR_FAMILY_BIT(f) (1u << (f))
/* What `ebpfrec record` records without --profile: everything but the high-volume memory family. */
#define EBR_FAMILIES_DEFAULT                                                      \
	(EBR_FAMILY_BIT(1) | EBR_FAMILY_BIT(2) | EBR_FAMILY_BIT(3) | EBR_FAMILY_BIT(5))

struct ebr_recorder_opts {
	size_t sz; /* sizeof(struct ebr_recorder_opts) */
	const char *output; /* capture path */
	int force; /* replace an existing file */
	unsigned families; /* EBR_FAMILY_BIT mask; 0: EBR_FAMILIES_DEFAULT */
	uint32_t ringbuf_size; /* bytes, power of two; 0: 16 MiB */
	uint32_t segment_size; /* close a segment at this many raw bytes; 0: 1 MiB */
	uint32_t segment_ms; /* ... or after this long; 0: 1000 */
	int compression_level; /* zstd; 0: 1 */
	int compact; /* segments in columns (format 1.1): smaller, not readable with plain zstd -dc */
	uint32_t max_args_size; /* exec args bytes kept; 0: 1024 */
	uint32_t max_path_size; /* path bytes kept; 0: 256 */
	/*
	 * How soon events reach the recorder: 0 (default) batches wakeups and
	 * drains every 10 ms, or earlier when the ring is 1/8 full. 1: drains
	 * at most every drain_interval_us while events flow (each waits in the
	 * ring at most that long, and subscribers are woken once per drain),
	 * and on the first event after a quiet spell at once.
	 */
	int low_latency;
	uint32_t wakeup_bytes; /* batched mode: wake early past this much unread data; 0: ring / 8 */
	uint32_t drain_ms; /* batched mode: drain at least this often; 0: 10 */
	/*
	 * Kernel token buckets, events per second: [0] all families together,
	 * [family] one family. 0: unlimited. Refused events are counted as
	 * rate-limited drops.
	 */
	uint64_t rate_limit[8];
	const uint32_t *syscalls; /* syscall family: only these numbers; NULL: all */
	size_t n_syscalls;
	/*
	 * Redact what is written (events, the process snapshot, cgroups, the
	 * command line) as `ebpfrec redact` would; live subscribers still see
	 * the events as they are. NULL: nothing redacted.
	 */
	const struct ebr_redact_opts *redact;
	const struct ebr_custom_program *custom; /* user BPF objects, may be NULL */
	size_t n_custom;
	const struct ebr_kfilter_spec *kfilter; /* applied before any probe attaches; may be NULL */
	/*
	 * Only events matching this (compiled against ebr_schema__builtin())
	 * are recorded; the caller keeps it alive. What the kernel can decide
	 * (types, pids, uid) is pushed down; the rest is evaluated on the raw
	 * record in the recorder. Process lifecycle events (exec, fork, exit)
	 * are kept regardless, so the capture can still name every process.
	 * A filter on container, pod, ... (ebr_filter__uses_cgroups) is
	 * resolved again through the live cgroup tree when set and whenever
	 * new cgroups appear (checked every second), so a container that
	 * starts later is recorded too; compiling it with an empty table and
	 * EBR_FILTER_UNKNOWN_OK leaves all of that to the recorder.
	 */
	const struct ebr_filter *filter;
	/*
	 * Rotation: a new file (output "trace.ebc" becomes trace.0000.ebc,
	 * trace.0001.ebc, ...) once the current one reaches rotate_size bytes
	 * or is rotate_seconds old; each is a complete capture. rotate_keep
	 * > 0 deletes the oldest beyond that many. 0: no rotation.
	 */
	uint64_t rotate_size;
	uint32_t rotate_seconds;
	uint32_t rotate_keep;
	const char *config_json; /* stored verbatim in the capture, may be NULL */
	const char *command_line; /* stored as a note, may be NULL */
	uint32_t drain_interval_us; /* low_latency: drain at most this often, 10..100000; 0: 250 */
	/*
	 * 1..99: the thread that starts the recorder (ebr_recorder__start,
	 * ebr_source__open_live) runs SCHED_FIFO at this priority from then
	 * until stop, where its scheduling is given back; so does any other
	 * thread from its first poll, and a live source's subscriber threads
	 * (their callbacks then take the CPU before ordinary programs: keep
	 * them short). The writer thread does not. On a busy machine this is
	 * what bounds the delivery delay. Needs CAP_SYS_NICE or an
	 * RLIMIT_RTPRIO allowance at start; refused, it is a warning and the
	 * recording goes on at normal priority. 0: scheduling is left alone.
	 */
	int rt_priority;
};

/*
 * What the kernel decides before an event is written (the rest of a filter
 * runs in the recorder). Unset parts allow everything.
 */
struct ebr_kfilter_spec {
	size_t sz; /* sizeof(struct ebr_kfilter_spec) */
	const uint64_t *types; /* [2]: bit per event type; NULL: every type */
	const uint32_t *pids; /* thread group ids; NULL: every process */
	size_t n_pids;
	int follow; /* children of those processes join the set when they fork */
	int64_t uid; /* -1: any */
	const uint64_t *cgroups; /* cgroup v2 ids; NULL: any */
	size_t n_cgroups;
	const char *comm; /* NULL: any */
};

/*
 * A user's BPF object, loaded and attached beside ebpfrec's own. Records
 * from its ring buffer map become events of a custom type described by the
 * object's BTF struct, so replay, filters and SQL read its fields by name.
 * Struct members named ts (u64, CLOCK_BOOTTIME ns), pid, tid and comm fill
 * the common header; without ts the receive time is used.
 */
struct ebr_custom_program {
	const char *object; /* path of the .bpf.o */
	const char *map; /* ring buffer map name; NULL: "events" */
	const char *type; /* BTF struct of its records; NULL: "event" */
};

struct ebr_recorder_stats {
	uint64_t events; /* records taken from the ring buffer */
	uint64_t bytes; /* raw bytes of those records */
	uint64_t drops[EBR_DROP_REASONS]; /* kernel and recorder, cumulative */
	uint64_t segments;
	uint64_t file_bytes; /* all files of the recording so far */
	uint64_t files; /* files completed or open (rotation) */
	uint64_t events_by_family[8];
	unsigned probes_attached;
	unsigned probes_failed;
};

struct ebr_recorder;

/* Validates options; loads nothing yet. NULL + errno on error. */
struct ebr_recorder *ebr_recorder__new(const struct ebr_recorder_opts *opts);
/*
 * Load and attach every selected family, snapshot /proc, create the capture.
 * A probe that cannot attach is reported and skipped; fails only when
 * nothing at all can be recorded or the capture cannot be created.
 */
int ebr_recorder__start(struct ebr_recorder *r);
/*
 * Replace the filter of a running recorder (NULL: record everything); no
 * program is reloaded. Call it from the thread that polls.
 */
int ebr_recorder__set_filter(struct ebr_recorder *r, const struct ebr_filter *filter);
/* Replace the kernel-side filter of a running recorder; no program is reloaded. */
int ebr_recorder__set_kfilter(struct ebr_recorder *r, const struct ebr_kfilter_spec *spec);
/*
 * Record this process and, from now on, its descendants (those already
 * running are found in /proc). Switches the recorder to following.
 */
int ebr_recorder__follow(struct ebr_recorder *r, uint32_t pid);
/* Drain the ring buffer for up to timeout_ms. Returns records drained or -errno. */
int ebr_recorder__poll(struct ebr_recorder *r, int timeout_ms);
/* Detach, drain what is left, write the index and close the capture. */
int ebr_recorder__stop(struct ebr_recorder *r);
const struct ebr_recorder_stats *ebr_recorder__stats(struct ebr_recorder *r);
struct ebr_health;
/* healthy / degraded / unhealthy, with the issues that make it so (source.h). */
int ebr_recorder__health(struct ebr_recorder *r, struct ebr_health *out);
/* How full the kernel ring buffer is right now, 0..1; -1 when unknown. */
double ebr_recorder__ring_fill(struct ebr_recorder *r);
/* The schema events are recorded with: the builtin one plus custom programs' types. */
const struct ebr_schema *ebr_recorder__schema(struct ebr_recorder *r);
/* The file being written now (differs from opts.output when rotating); NULL without output. */
const char *ebr_recorder__current_file(struct ebr_recorder *r);
void ebr_recorder__free(struct ebr_recorder *r);

#ifdef __cplusplus
}
#endif

#endif /* EBPFREC_RECORDER_H */
