/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A recorder's state at one moment, as the live status line shows it and
 * as the stats file carries it to `ebpfrec stats` in another process.
 */
#ifndef EBPFREC_RECORDER_STATUS_H
#define EBPFREC_RECORDER_STATUS_H

#include <stdint.h>
#include <stdio.h>

#include "ebpfrec/recorder.h"
#include "ebpfrec/source.h"

/* Stats files of running recorders: one per recorder, named by its pid. */
#define REC_STATS_DIR "/run/ebpfrec"

struct rec_snapshot {
	uint32_t pid;
	char output[512];
	char current_file[512];
	uint64_t started_wall_ns;
	/* the recorder's start time in clock ticks since boot (/proc/PID/stat): pids are reused */
	uint64_t proc_start_ticks;
	double elapsed_s;
	double rate; /* events/s since the previous snapshot */
	uint64_t events;
	uint64_t raw_bytes;
	uint64_t file_bytes;
	uint64_t files;
	uint64_t drops[EBR_DROP_REASONS];
	uint64_t by_family[8];
	double ring_fill; /* 0..1, -1 unknown */
	unsigned probes_attached, probes_failed;
	struct ebr_health health;
	int final; /* the recording has ended; these are its closing figures */
};

void rec_snapshot__take(struct rec_snapshot *s, struct ebr_recorder *r, const struct rec_snapshot *prev,
			double elapsed_s);
/* One line: elapsed, events, rate, drops, ring fill, MB written, ratio, health. */
void rec_snapshot__line(const struct rec_snapshot *s, char *buf, size_t len);
/* Written to path atomically (temp file + rename), mode 0644. */
int rec_snapshot__save(const struct rec_snapshot *s, const char *path);
int rec_snapshot__load(struct rec_snapshot *s, const char *path);
/* Start time of process pid in clock ticks since boot (field 22 of /proc/PID/stat); 0 if unknown. */
uint64_t rec_proc_start_ticks(uint32_t pid);
/*
 * Whether s was written by the process now running as s->pid: a recorder
 * killed without cleaning up leaves its file behind, and its pid may have
 * been given to another process (another recorder, even) since.
 */
int rec_snapshot__is_live(const struct rec_snapshot *s);
/* The snapshot as JSON, for `ebpfrec stats --json`. */
void rec_snapshot__print_json(const struct rec_snapshot *s, FILE *out);

#endif
