// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ebpfrec record`: parse options, run a recording session, print a summary. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cgroups.h"
#include "clock.h"
#include "cli_util.h"
#include "filter_args.h"
#include "commands.h"
#include "ebpfrec/decode.h"
#include "ebpfrec/record_builder.h"
#include "ebpfrec/source.h"
#include "ebpfrec/recorder.h"
#include "ebpfrec/schema.h"
#include "events.h"
#include "maps.h"
#include "names.h"
#include "procsnap.h"
#include "record_args.h"
#include "status.h"
#include "profiles.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *out)
{
	char profiles[2048] = "";
	FILE *mem = fmemopen(profiles, sizeof(profiles) - 1, "w");

	if (mem) {
		rec_profiles__print(mem);
		fclose(mem);
	}
	fprintf(out,
		"usage: ebpfrec record [-o FILE] [-d DURATION] [OPTIONS] [-- COMMAND [ARGS...]]\n\n"
		"Record kernel events into a capture file. Needs root (or CAP_BPF + CAP_PERFMON).\n"
		"With COMMAND, records that command and everything it starts (the kernel follows\n"
		"the process tree at fork); with -p, those processes and their descendants;\n"
		"otherwise the whole system. Stops after DURATION, when COMMAND (or every -p\n"
		"process) exits, or on SIGINT/SIGTERM/SIGHUP; the capture is closed with its index\n"
		"in every case.\n\n"
		"options:\n"
		"  -o, --file FILE            capture to write (default trace.ebc); created 0600,\n"
		"                             never over an existing file unless --force\n"
		"  -d, --duration DURATION    stop after this long: 10, 1.5s, 500ms, 2m\n"
		"  -p, --pid PIDS             record these processes and their descendants\n"
		"  -a, --all                  with COMMAND: record the whole system, not just it\n"
		"  -f, --filter EXPR          only events matching EXPR (docs/filter.md); what the\n"
		"                             kernel can decide (types, pids, uid, containers) never\n"
		"                             reaches the ring buffer; exec/fork/exit are always kept\n"
		"                             (from the processes the kernel lets through)\n"
		"  -t, --type NAMES           only these event types (a filter shorthand)\n"
		"      --container IDS        only these containers: ids or prefixes of 12+ hex\n"
		"                             digits; one that is not running yet is matched once\n"
		"                             its cgroup appears (looked for every second)\n"
		"      --namespace NS         only these Kubernetes namespaces (names), or pid or\n"
		"                             mount namespaces (inode numbers)\n"
		"      --min-severity LEVEL   only events at least this severe\n"
		"      --exclude-system       leave out kernel threads\n"
		"  -P, --profile NAMES        families to record, a comma-separated list of:\n"
		"%s"
		"      --syscalls NAMES       syscall family: only these calls (openat,read,...)\n"
		"      --rate FAMILY=N        at most N events/s of a family (all=N: of all together);\n"
		"                             repeatable; refused events are counted, never silent\n"
		"      --force                replace FILE if it exists\n"
		"  -C, --rotate-size SIZE     start a new file when this one reaches SIZE: -o t.ebc\n"
		"                             writes t.0000.ebc, t.0001.ebc, ... each complete\n"
		"  -G, --rotate-time DURATION start a new file every DURATION\n"
		"  -W, --rotate-keep COUNT    with -C/-G: keep only the newest COUNT files (a ring)\n"
		"      --max-size SIZE        stop cleanly once the capture reaches SIZE\n"
		"      --max-events N         stop cleanly after N events\n"
		"  -b, --ringbuf-size SIZE    kernel ring buffer, a power of two (default 16M)\n"
		"      --segment-size SIZE    close a segment at this many bytes (default 1M)\n"
		"      --segment-time DURATION  ... or after this long (default 1s): at most this\n"
		"                             much is lost if the recorder is killed\n"
		"  -z, --compression LEVEL    zstd level, 1 (fast, default) to 19\n"
		"      --compact              store segments as columns: about a third smaller,\n"
		"                             readable by ebpfrec with format 1.1 or later\n"
		"      --low-latency          for live consumers (-O, the library's subscribers):\n"
		"                             events reach them within about 250 us instead of\n"
		"                             10 ms (a drain every 250 us while events flow)\n"
		"      --drain-interval DURATION  --low-latency with this interval instead (10us to\n"
		"                             100ms): shorter is sooner, at more CPU\n"
		"      --rt-priority PRIO     poll (and print with -O) SCHED_FIFO at PRIO (1-99), so\n"
		"                             that delivery does not wait behind other programs on\n"
		"                             a busy machine; their CPU comes after ours\n"
		"      --max-args SIZE        bytes of exec arguments kept (default 1024, max 4096)\n"
		"      --max-path SIZE        bytes of a path kept (default 256, max 4096)\n"
		"      --stats-file PATH      publish statistics here each second (default\n"
		"                             /run/ebpfrec/PID.json, removed at exit; an explicit\n"
		"                             PATH is kept, with the final figures)\n"
		"  -O, --output FORMAT        also print each event as it arrives: text or json\n"
		"                             (without -o, nothing is written to disk)\n"
		"      --test                 record for 10 s (or -d) and say whether recording\n"
		"                             works here: probes, events per family, losses\n"
		"  -u, --user NAME            once the probes are attached and the capture is open,\n"
		"                             become this user, with no capabilities, for the rest\n"
		"                             of the recording (rotation then needs a directory\n"
		"                             NAME can write)\n"
		"      --bpf-object FILE.o    also load this BPF object; records from its ring buffer\n"
		"                             map are captured as events of a type described by the\n"
		"                             object's BTF (repeatable; examples/multi-program)\n"
		"      --bpf-map NAME         that ring buffer map (default events)\n"
		"      --bpf-type NAME        the BTF struct of its records (default event)\n"
		"      --redact-args          redact what is written (docs/sharing.md): exec\n"
		"      --redact-paths GLOB    arguments; paths matching GLOB (repeatable); IP\n"
		"      --redact-addresses     addresses; --redact-mode hash (default: keyed hashes,\n"
		"      --redact-mode MODE     equal values stay equal) or remove\n"
		"      --config FILE.json     settings from a file (docs/config.md); options given\n"
		"                             on the command line override it\n"
		"      --print-config         print the effective settings as JSON (valid for\n"
		"                             --config) and exit\n"
		"  -v, --verbose              more messages (twice: libbpf debug output)\n"
		"  -q, --quiet                no summary at the end\n"
		"  -h, --help                 this text\n\n"
		"examples:\n"
		"  sudo ebpfrec record -o trace.ebc -d 30\n"
		"  sudo ebpfrec record -o t.ebc -- sh -c 'for i in 1 2 3; do /bin/true; done'\n"
		"  sudo ebpfrec record -o net.ebc --profile network,fileio -d 1m\n"
		"  sudo ebpfrec record -o c.ebc --container 3f4e5d6c7b8a -f 'syscall = openat'\n"
		"  ebpfrec info t.ebc && ebpfrec replay t.ebc\n",
		profiles);
}

static int parse_pids(const char *list, struct record_args *a)
{
	char *copy = strdup(list), *save = NULL;
	int err = 0;

	for (char *tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (parse_u64(tok, &v) || !v || v > UINT32_MAX || a->n_pids == MAX_PIDS)
			err = -1;
		else
			a->pids[a->n_pids++] = (uint32_t)v;
	}
	free(copy);
	return copy ? err : -1;
}

/* FAMILY=N: "memory=5000", "all=100000" */
static int parse_rate(const char *arg, uint64_t *rates)
{
	const char *eq = strchr(arg, '=');
	char family[16];
	uint64_t n;

	if (!eq || (size_t)(eq - arg) >= sizeof(family) || parse_u64(eq + 1, &n))
		return -1;
	memcpy(family, arg, (size_t)(eq - arg));
	family[eq - arg] = 0;
	if (!strcmp(family, "all")) {
		rates[0] = n;
		return 0;
	}
	for (unsigned f = 1; f < EBR_FAM_NR; f++)
		if (!strcmp(family, ebr_family__name(f))) {
			rates[f] = n;
			return 0;
		}
	return -1;
}

static int parse_args(int argc, char **argv, struct record_args *a)
{
	enum { OPT_FORCE = 256, OPT_SEGSIZE, OPT_SEGTIME, OPT_MAXARGS, OPT_MAXPATH, OPT_SYSCALLS,
	       OPT_RATE, OPT_LOW_LATENCY, OPT_MIN_SEV, OPT_EXCL_SYS, OPT_MAX_SIZE, OPT_MAX_EVENTS,
	       OPT_STATS_FILE, OPT_TEST, OPT_CONFIG, OPT_PRINT_CONFIG, OPT_BPF_OBJECT, OPT_BPF_MAP,
	       OPT_BPF_TYPE, OPT_REDACT_ARGS, OPT_REDACT_PATHS, OPT_REDACT_ADDRS, OPT_REDACT_ENV,
	       OPT_REDACT_MODE, OPT_COMPACT, OPT_CONTAINER, OPT_NAMESPACE,
	       OPT_DRAIN_INTERVAL, OPT_RT_PRIORITY };
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "profile", required_argument, NULL, 'P' },
		{ "pid", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "syscalls", required_argument, NULL, OPT_SYSCALLS },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "low-latency", no_argument, NULL, OPT_LOW_LATENCY },
		{ "drain-interval", required_argument, NULL, OPT_DRAIN_INTERVAL },
		{ "rt-priority", required_argument, NULL, OPT_RT_PRIORITY },
		{ "filter", required_argument, NULL, 'f' },
		{ "rotate-size", required_argument, NULL, 'C' },
		{ "rotate-time", required_argument, NULL, 'G' },
		{ "rotate-keep", required_argument, NULL, 'W' },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "max-events", required_argument, NULL, OPT_MAX_EVENTS },
		{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
		{ "output", required_argument, NULL, 'O' },
		{ "test", no_argument, NULL, OPT_TEST },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "user", required_argument, NULL, 'u' },
		{ "bpf-object", required_argument, NULL, OPT_BPF_OBJECT },
		{ "bpf-map", required_argument, NULL, OPT_BPF_MAP },
		{ "bpf-type", required_argument, NULL, OPT_BPF_TYPE },
		{ "redact-args", no_argument, NULL, OPT_REDACT_ARGS },
		{ "redact-paths", required_argument, NULL, OPT_REDACT_PATHS },
		{ "redact-addresses", no_argument, NULL, OPT_REDACT_ADDRS },
		{ "redact-env", no_argument, NULL, OPT_REDACT_ENV },
		{ "redact-mode", required_argument, NULL, OPT_REDACT_MODE },
		{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
		{ "type", required_argument, NULL, 't' },
		{ "min-severity", required_argument, NULL, OPT_MIN_SEV },
		{ "container", required_argument, NULL, OPT_CONTAINER },
		{ "namespace", required_argument, NULL, OPT_NAMESPACE },
		{ "exclude-system", no_argument, NULL, OPT_EXCL_SYS },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "ringbuf-size", required_argument, NULL, 'b' },
		{ "segment-size", required_argument, NULL, OPT_SEGSIZE },
		{ "segment-time", required_argument, NULL, OPT_SEGTIME },
		{ "compression", required_argument, NULL, 'z' },
		{ "compact", no_argument, NULL, OPT_COMPACT },
		{ "max-args", required_argument, NULL, OPT_MAXARGS },
		{ "max-path", required_argument, NULL, OPT_MAXPATH },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *custom_map = NULL, *custom_type = NULL;
	char bad[64];
	uint64_t v;
	int c;

	a->ro.sz = sizeof(a->ro);
	a->filt.sh.sz = sizeof(a->filt.sh);
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *path = NULL;

		if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			path = argv[i + 1];
		if (path && rec_config__load(path, a))
			return -1;
	}
	/* '+': stop at the first non-option, so COMMAND's own options are left alone */
	while ((c = getopt_long(argc, argv, "+o:d:p:P:af:t:C:G:W:O:u:b:z:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->ro.output = optarg;
			break;
		case 'd':
			if (parse_duration(optarg, &a->duration_ns) || !a->duration_ns)
				goto bad;
			break;
		case OPT_FORCE:
			a->ro.force = 1;
			break;
		case 'P':
			if (rec_profiles__parse(optarg, &a->ro.families, a->ro.rate_limit, bad, sizeof(bad))) {
				fprintf(stderr, "ebpfrec record: unknown profile '%s'; the profiles are:\n", bad);
				rec_profiles__print(stderr);
				return -1;
			}
			break;
		case 'p':
			if (parse_pids(optarg, a))
				goto bad;
			break;
		case 'a':
			a->all = 1;
			break;
		case OPT_SYSCALLS:
			if (rec_args__set_syscalls(a, (const char *const[]){ optarg }, 1))
				return -1;
			break;
		case 'f':
			a->filt.expr = optarg;
			break;
		case 'C':
			if (parse_size(optarg, &v) || v < 65536)
				goto bad;
			a->ro.rotate_size = v;
			break;
		case 'G':
			if (parse_duration(optarg, &v) || v < 1000000000ULL)
				goto bad;
			a->ro.rotate_seconds = (uint32_t)(v / 1000000000ULL);
			break;
		case 'W':
			if (parse_u64(optarg, &v) || !v || v > 100000)
				goto bad;
			a->ro.rotate_keep = (uint32_t)v;
			break;
		case OPT_MAX_SIZE:
			if (parse_size(optarg, &v) || !v)
				goto bad;
			a->max_size = v;
			break;
		case 'O':
			if (!strcmp(optarg, "text"))
				a->live_output = 1;
			else if (!strcmp(optarg, "json"))
				a->live_output = 2;
			else {
				/* as in replay, --output is the format; the file is -o */
				fprintf(stderr, "ebpfrec record: --output takes text or json (events printed as they "
						"arrive); name the capture file with -o FILE\n");
				return -1;
			}
			break;
		case OPT_TEST:
			a->test = 1;
			break;
		case 'u':
			a->user = optarg;
			break;
		case OPT_BPF_OBJECT:
			if (a->ro.n_custom == 8)
				goto bad;
			a->custom[a->ro.n_custom++].object = optarg;
			a->ro.custom = a->custom;
			break;
		case OPT_REDACT_ARGS:
			a->redact.what |= EBR_REDACT_ARGS;
			break;
		case OPT_REDACT_ADDRS:
			a->redact.what |= EBR_REDACT_ADDRESSES;
			break;
		case OPT_REDACT_ENV:
			a->redact.what |= EBR_REDACT_ENV;
			break;
		case OPT_REDACT_PATHS:
			if (a->redact.n_path_globs == 16)
				goto bad;
			a->redact_globs[a->redact.n_path_globs++] = optarg;
			a->redact.what |= EBR_REDACT_PATHS;
			break;
		case OPT_REDACT_MODE:
			if (!strcmp(optarg, "hash"))
				a->redact.mode = EBR_REDACT_HASH;
			else if (!strcmp(optarg, "remove"))
				a->redact.mode = EBR_REDACT_REMOVE;
			else
				goto bad;
			break;
		case OPT_BPF_MAP:
			custom_map = optarg;
			break;
		case OPT_BPF_TYPE:
			custom_type = optarg;
			break;
		case OPT_CONFIG:
			break; /* applied before the other options, which override it */
		case OPT_PRINT_CONFIG:
			a->print_config = 1;
			break;
		case OPT_STATS_FILE:
			a->stats_file = optarg;
			break;
		case OPT_MAX_EVENTS:
			if (parse_u64(optarg, &v) || !v)
				goto bad;
			a->max_events = v;
			break;
		case 't':
			a->filt.sh.types = optarg;
			break;
		case OPT_MIN_SEV:
			a->filt.sh.min_severity = optarg;
			break;
		case OPT_EXCL_SYS:
			a->filt.sh.exclude_system = 1;
			break;
		case OPT_CONTAINER:
			a->filt.sh.containers = optarg;
			break;
		case OPT_NAMESPACE:
			a->filt.sh.namespaces = optarg;
			break;
		case OPT_LOW_LATENCY:
			a->ro.low_latency = 1;
			break;
		case OPT_DRAIN_INTERVAL:
			if (parse_duration(optarg, &v) || v < 10000 || v > 100000000)
				goto bad;
			a->ro.drain_interval_us = (uint32_t)((v + 500) / 1000);
			break;
		case OPT_RT_PRIORITY:
			if (parse_u64(optarg, &v) || v < 1 || v > 99)
				goto bad;
			a->ro.rt_priority = (int)v;
			break;
		case OPT_RATE:
			if (parse_rate(optarg, a->ro.rate_limit))
				goto bad;
			break;
		case 'b':
			if (parse_size(optarg, &v) || v > (1ULL << 31))
				goto bad;
			a->ro.ringbuf_size = (uint32_t)v;
			break;
		case OPT_SEGSIZE:
			if (parse_size(optarg, &v) || v > (64ULL << 20))
				goto bad;
			a->ro.segment_size = (uint32_t)v;
			break;
		case OPT_SEGTIME:
			if (parse_duration(optarg, &v) || v < 1000000)
				goto bad;
			a->ro.segment_ms = (uint32_t)(v / 1000000);
			break;
		case 'z':
			if (parse_u64(optarg, &v) || v < 1 || v > 19)
				goto bad;
			a->ro.compression_level = (int)v;
			break;
		case OPT_COMPACT:
			a->ro.compact = 1;
			break;
		case OPT_MAXARGS:
			if (parse_size(optarg, &v) || !v || v > 4096)
				goto bad;
			a->ro.max_args_size = (uint32_t)v;
			break;
		case OPT_MAXPATH:
			if (parse_size(optarg, &v) || !v || v > 4096)
				goto bad;
			a->ro.max_path_size = (uint32_t)v;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (a->redact.what) {
		a->redact.sz = sizeof(a->redact);
		a->redact.path_globs = a->redact_globs;
		a->ro.redact = &a->redact;
	}
	for (size_t i = 0; i < a->ro.n_custom; i++) {
		a->custom[i].map = custom_map;
		a->custom[i].type = custom_type;
	}
	if (optind < argc)
		a->command = argv + optind;
	/* an interval is only the low-latency mode's (the default one drains every collection_interval) */
	if (a->ro.drain_interval_us)
		a->ro.low_latency = 1;
	return 0;
bad:
	{
		char name[64];

		fprintf(stderr, "ebpfrec record: invalid value '%s' for %s\n", optarg,
			cli_option_name(argv, optind, optarg, name, sizeof(name)));
	}
	return -1;
}

/* The command line as a shell would take it back, for the capture's note. */
static char *join_argv(int argc, char **argv)
{
	struct ebr_buf b = {0};

	ebr_buf__put(&b, "ebpfrec", 7);
	for (int i = 0; i < argc; i++) {
		int plain = argv[i][0] != 0;

		for (const char *p = argv[i]; *p && plain; p++)
			plain = strchr("-_./=:,+@%", *p) || (*p >= '0' && *p <= '9') ||
				((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z');
		ebr_buf__put(&b, " ", 1);
		if (plain) {
			ebr_buf__put(&b, argv[i], strlen(argv[i]));
			continue;
		}
		ebr_buf__put(&b, "'", 1);
		for (const char *p = argv[i]; *p; p++)
			if (*p == '\'')
				ebr_buf__put(&b, "'\\''", 4);
			else
				ebr_buf__put(&b, p, 1);
		ebr_buf__put(&b, "'", 1);
	}
	ebr_buf__put(&b, "", 1);
	if (b.err) {
		ebr_buf__free(&b);
		return NULL;
	}
	return b.p;
}

static void print_summary(struct ebr_recorder *r, const char *path, double secs)
{
	const struct ebr_recorder_stats *s = ebr_recorder__stats(r);
	char b1[32], b2[32];
	struct stat st;
	uint64_t lost = 0;

	fprintf(stderr, "ebpfrec: recorded %llu events in %.1f s (%.0f/s)",
		(unsigned long long)s->events, secs, secs > 0 ? (double)s->events / secs : 0.0);
	for (unsigned f = 1; f < EBR_FAM_NR; f++)
		if (s->events_by_family[f])
			fprintf(stderr, ", %s %llu", ebr_family__name(f),
				(unsigned long long)s->events_by_family[f]);
	fputc('\n', stderr);
	for (unsigned d = 0; d < EBR_DROP_NR; d++)
		if (s->drops[d] && d != EBR_DROP_TRUNCATED)
			lost += s->drops[d];
	if (lost) {
		fprintf(stderr, "ebpfrec: NOT recorded: %llu events:", (unsigned long long)lost);
		for (unsigned d = 0; d < EBR_DROP_NR; d++)
			if (s->drops[d] && d != EBR_DROP_TRUNCATED)
				fprintf(stderr, " %s %llu;", ebr_drop_reason__name(d), (unsigned long long)s->drops[d]);
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "ebpfrec: no events lost\n");
	}
	if (s->drops[EBR_DROP_TRUNCATED])
		fprintf(stderr, "ebpfrec: %llu events had a string cut at its limit (--max-args/--max-path)\n",
			(unsigned long long)s->drops[EBR_DROP_TRUNCATED]);
	if (s->files > 1)
		fprintf(stderr, "ebpfrec: wrote %llu files, the last %s: %s in %llu segments, %s raw (%.1fx), "
				"%.1f bytes/event\n",
			(unsigned long long)s->files, ebr_recorder__current_file(r),
			human_bytes(s->file_bytes, b1, sizeof(b1)), (unsigned long long)s->segments,
			human_bytes(s->bytes, b2, sizeof(b2)),
			s->file_bytes ? (double)s->bytes / (double)s->file_bytes : 0.0,
			s->events ? (double)s->file_bytes / (double)s->events : 0.0);
	else if (path && stat(path, &st) == 0)
		fprintf(stderr, "ebpfrec: wrote %s: %s in %llu segments, %s raw (%.1fx), %.1f bytes/event\n",
			path, human_bytes((uint64_t)st.st_size, b1, sizeof(b1)),
			(unsigned long long)s->segments, human_bytes(s->bytes, b2, sizeof(b2)),
			st.st_size ? (double)s->bytes / (double)st.st_size : 0.0,
			s->events ? (double)st.st_size / (double)s->events : 0.0);
}

/* Where execvp would find name; resolved before fork so the child only execs. */
static int resolve_program(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) ? -errno : 0;
	}
	copy = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", *dir ? dir : ".", name);
		if (access(out, X_OK) == 0) {
			free(copy);
			return 0;
		}
	}
	free(copy);
	return -ENOENT;
}

/*
 * Fork COMMAND held at a pipe: the recorder adds its pid to the followed set
 * before it may exec, so not one of its events is missed.
 */
static int spawn_held(char **command, pid_t *pid, int *go_fd)
{
	char prog[4096];
	int fds[2], err = resolve_program(command[0], prog, sizeof(prog));

	if (err) {
		fprintf(stderr, "ebpfrec record: cannot run %s: %s\n", command[0], strerror(-err));
		return err;
	}
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	*pid = fork();
	if (*pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (*pid == 0) {
		char go;

		/* only async-signal-safe calls until exec: the parent has threads */
		close(fds[1]); /* else our own copy keeps the pipe open and EOF never comes */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (read(fds[0], &go, 1) != 1)
			_exit(127);
		execv(prog, command);
		_exit(127);
	}
	close(fds[0]);
	*go_fd = fds[1];
	return 0;
}

static int release(int go_fd)
{
	int ok = write(go_fd, "g", 1) == 1;

	close(go_fd);
	return ok ? 0 : -EPIPE;
}

static int all_gone(const uint32_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (kill((pid_t)pids[i], 0) == 0 || errno != ESRCH)
			return 0;
	return 1;
}

/* Statistics for `ebpfrec stats` and, on a terminal, the live status line. */
struct publisher {
	char path[600]; /* in REC_STATS_DIR, where `ebpfrec stats` looks; removed at exit */
	const char *keep; /* an explicit --stats-file: also written, and kept */
	int tty;
	uint64_t t0, last;
	struct rec_snapshot prev, cur;
};

static void publisher_init(struct publisher *p, const struct record_args *a, uint64_t t0)
{
	p->t0 = p->last = t0;
	p->tty = !a->quiet && isatty(STDERR_FILENO);
	p->keep = a->stats_file;
	mkdir(REC_STATS_DIR, 0755);
	snprintf(p->path, sizeof(p->path), "%s/%d.json", REC_STATS_DIR, (int)getpid());
	unlink(p->path); /* a killed recorder's, whose pid this process was given */
	p->cur.proc_start_ticks = rec_proc_start_ticks((uint32_t)getpid());
	snprintf(p->cur.output, sizeof(p->cur.output), "%s", a->ro.output ? a->ro.output : "");
	p->cur.started_wall_ns = (uint64_t)time(NULL) * 1000000000ULL;
}

static void publish(struct publisher *p, struct ebr_recorder *r, uint64_t now, int final)
{
	char line[512];

	p->prev = p->cur;
	rec_snapshot__take(&p->cur, r, &p->prev, (double)(now - p->t0) / 1e9);
	p->cur.final = final;
	p->last = now;
	if (!final)
		rec_snapshot__save(&p->cur, p->path); /* best effort: /run may be read-only */
	if (p->keep && rec_snapshot__save(&p->cur, p->keep))
		fprintf(stderr, "ebpfrec: cannot write the stats file %s: %s\n", p->keep, strerror(errno));
	if (p->tty) {
		rec_snapshot__line(&p->cur, line, sizeof(line));
		/* one line, rewritten in place; cleared once the recording ends */
		fprintf(stderr, final ? "\r\033[K" : "\r\033[K%s", line);
		fflush(stderr);
	}
}

static void publisher_end(struct publisher *p)
{
	unlink(p->path);
}

static int run(struct ebr_source *src, struct ebr_recorder *r, struct record_args *a, const char *path)
{
	uint64_t t0 = mono_ns(), deadline = a->duration_ns ? t0 + a->duration_ns : 0;
	pid_t child = a->child;
	int status, err = 0, child_done = 0;
	struct publisher pub = {0};

	publisher_init(&pub, a, t0);

	if (a->go_fd >= 0) {
		err = release(a->go_fd);
		a->go_fd = -1;
	}
	if (err) {
		ebr_recorder__stop(r);
		publisher_end(&pub);
		return err;
	}
	while (!stop_signal) {
		int n = ebr_source__poll(src, 100);

		if (n < 0) {
			err = n;
			break;
		}
		if (mono_ns() - pub.last >= 1000000000ULL)
			publish(&pub, r, mono_ns(), 0);
		if (deadline && mono_ns() >= deadline)
			break;
		if (child && waitpid(child, &status, WNOHANG) == child) {
			child_done = 1;
			break;
		}
		if (!a->command && a->n_pids && all_gone(a->pids, a->n_pids))
			break;
		if (a->max_size || a->max_events) {
			const struct ebr_recorder_stats *st = ebr_recorder__stats(r);

			if ((a->max_size && st->file_bytes + st->bytes / 8 >= a->max_size) ||
			    (a->max_events && st->events >= a->max_events)) {
				if (a->verbose)
					fprintf(stderr, "ebpfrec: limit reached, stopping\n");
				break;
			}
		}
	}
	if (child && !child_done) {
		/* stopping early: the command is stopped too, then waited for */
		kill(child, stop_signal ? stop_signal : SIGTERM);
		waitpid(child, &status, 0);
	}
	if (stop_signal && a->verbose)
		fprintf(stderr, "ebpfrec: stopping on signal %d\n", (int)stop_signal);
	{
		int serr = ebr_recorder__stop(r);

		if (!err)
			err = serr;
	}
	publish(&pub, r, mono_ns(), 1);
	publisher_end(&pub);
	if (!a->quiet && !err)
		print_summary(r, path, pub.cur.elapsed_s);
	if (child_done && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		fprintf(stderr, "ebpfrec record: %s could not be started\n", a->command[0]);
	else if (child_done && a->verbose && WIFEXITED(status))
		fprintf(stderr, "ebpfrec: %s exited with status %d\n", a->command[0], WEXITSTATUS(status));
	return err;
}

/*
 * What the kernel should let through from the start: COMMAND's process (held
 * before exec) or the -p processes with their descendants, followed at fork.
 */
static int prepare_following(struct record_args *a)
{
	for (size_t i = 0; i < a->n_pids; i++) {
		uint32_t *tree;
		int n;

		if (kill((pid_t)a->pids[i], 0) && errno == ESRCH) {
			fprintf(stderr, "ebpfrec record: no process %u\n", a->pids[i]);
			return -ESRCH;
		}
		n = procsnap__descendants("/proc", a->pids[i], &tree);
		if (n < 0)
			return n;
		a->followed = realloc(a->followed, (a->n_followed + (size_t)n + 1) * sizeof(*tree));
		if (!a->followed) {
			free(tree);
			return -ENOMEM;
		}
		memcpy(a->followed + a->n_followed, tree, (size_t)n * sizeof(*tree));
		a->n_followed += (size_t)n;
		free(tree);
	}
	if (a->command) {
		int err = spawn_held(a->command, &a->child, &a->go_fd);

		if (err)
			return err;
		if (!a->all) {
			a->followed = realloc(a->followed, (a->n_followed + 1) * sizeof(*a->followed));
			if (!a->followed)
				return -ENOMEM;
			a->followed[a->n_followed++] = (uint32_t)a->child;
		}
	}
	if (a->n_followed) {
		a->kf = (struct ebr_kfilter_spec){
			.sz = sizeof(a->kf), .pids = a->followed, .n_pids = a->n_followed, .follow = 1, .uid = -1,
		};
		a->ro.kfilter = &a->kf;
		/* following needs fork and exit events, whatever the profile */
		a->ro.families |= a->ro.families ? EBR_FAMILY_BIT(EBR_FAM_PROCESS) : 0;
	}
	return 0;
}

static void abandon_child(struct record_args *a)
{
	int status;

	if (a->go_fd >= 0)
		close(a->go_fd); /* the held child reads EOF and exits */
	if (a->child > 0)
		waitpid(a->child, &status, 0);
}

/* --output: every event printed as it arrives, by a subscriber of the live source. */
struct printer {
	struct ebr_decoder *dec;
	int json;
	int failed; /* errno of the failed write */
};

static int print_event(const struct ebr_event *ev, void *ctx)
{
	struct printer *p = ctx;

	if (!p->dec) {
		struct ebr_decoder_opts o = { .sz = sizeof(o), .time_format = EBR_TIME_WALL };

		p->dec = ebr_decoder__new(ev->schema, ev->capture, &o);
		if (!p->dec)
			return 1;
	}
	if ((p->json ? ebr_decoder__json(p->dec, ev->rec, stdout) : ebr_decoder__text(p->dec, ev->rec, stdout)) ||
	    fflush(stdout)) {
		p->failed = errno ? errno : EIO; /* the reader went away (EPIPE) or the disk is full */
		stop_signal = SIGPIPE;
		return 1;
	}
	return 0;
}

/*
 * Everything that needs privileges is done: programs loaded and attached,
 * maps and the capture open. The rest of the recording runs as user, with
 * no capabilities left (setuid from root to non-root clears them all).
 */
static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		fprintf(stderr, "ebpfrec record: no user '%s'\n", user);
		return -1;
	}
	if (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		fprintf(stderr, "ebpfrec record: cannot become %s: %s\n", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "ebpfrec record: dropping to %s did not stick; stopping\n", user);
		return -1;
	}
	return 0;
}

/*
 * The filter, with container, pod, ... resolved through the cgroups that
 * exist now; one that does not exist yet is a warning (the recorder
 * resolves the filter again as cgroups appear).
 */
static int compile_filter(struct record_args *a)
{
	const struct ebr_filter_shorthand *sh = &a->filt.sh;
	struct rec_cgroup_table t = { 0 };
	int ret;

	if (a->filt.expr || sh->containers || sh->namespaces) {
		int n = rec_cgroup_table__refresh(&t, REC_PODS_DIR, 0);

		/* without a cgroup v2 tree no cgroup can be named: names are errors then */
		a->filt.compile = (struct ebr_filter_opts){ .sz = sizeof(a->filt.compile),
							    .flags = EBR_FILTER_CGROUPS,
							    .cgroups = t.views, .n_cgroups = t.n_views };
		a->filt.unknown_warns = n >= 0;
	}
	ret = cli_filter_compile("ebpfrec record", ebr_schema__builtin(), &a->filt, &a->filter);
	memset(&a->filt.compile, 0, sizeof(a->filt.compile));
	rec_cgroup_table__free(&t);
	return ret;
}

/* --test: the original collector's verdict after a short recording. */
static int test_verdict(struct ebr_recorder *r, const struct record_args *a)
{
	const struct ebr_recorder_stats *st = ebr_recorder__stats(r);
	unsigned fams = a->ro.families ? a->ro.families : EBR_FAMILIES_DEFAULT;
	uint64_t lost = st->drops[EBR_DROP_RINGBUF_FULL] + st->drops[EBR_DROP_WRITER_BACKLOG] +
			st->drops[EBR_DROP_CORRUPT];
	int fail = 0;

	fprintf(stderr, "ebpfrec test: %u probes attached, %u failed\n", st->probes_attached, st->probes_failed);
	for (unsigned f = 1; f < EBR_FAM_NR; f++) {
		if (!(fams & EBR_FAMILY_BIT(f)))
			continue;
		fprintf(stderr, "  %-8s %10llu events%s\n", ebr_family__name(f),
			(unsigned long long)st->events_by_family[f],
			st->events_by_family[f] ? "" : "  (none: nothing happened, or its probes failed)");
	}
	if (!st->events) {
		fprintf(stderr, "ebpfrec test: FAIL: no events at all were recorded\n");
		fail = 1;
	}
	if (st->probes_failed) {
		fprintf(stderr, "ebpfrec test: FAIL: %u probes could not be attached (`ebpfrec doctor` says why)\n",
			st->probes_failed);
		fail = 1;
	}
	if (lost) {
		fprintf(stderr, "ebpfrec test: FAIL: %llu events were lost\n", (unsigned long long)lost);
		fail = 1;
	}
	if (!fail)
		fprintf(stderr, "ebpfrec test: PASS: recording works on this machine\n");
	return fail ? -EIO : 0;
}

int cmd_record(int argc, char **argv)
{
	struct record_args a = { .go_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct printer pr = {0};
	struct ebr_subscribe_opts so = { .sz = sizeof(so), .fn = print_event, .ctx = &pr,
					 .buffer_size = 16 << 20 };
	struct ebr_subscription *printer_sub = NULL;
	struct ebr_source *src;
	struct ebr_recorder *r;
	char *cfg, *cmdline;
	int ret, err;

	ret = parse_args(argc, argv, &a);
	if (ret) {
		rec_config__free(&a);
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	}
	cli_log_setup(a.verbose);
	if (a.test && !a.duration_ns)
		a.duration_ns = 10ULL * 1000000000ULL;
	/* printing or testing without -o: nothing is written to disk */
	if (!a.ro.output && !a.live_output && !a.test)
		a.ro.output = "trace.ebc";
	ret = compile_filter(&a);
	if (ret) {
		rec_config__free(&a);
		return ret;
	}
	if (a.print_config) {
		char *json = rec_config__to_json(&a, 1);

		printf("%s\n", json ? json : "{}");
		free(json);
		ebr_filter__free(a.filter);
		rec_config__free(&a);
		return finish_stdout();
	}
	a.ro.filter = a.filter;
	if (a.user && !getpwnam(a.user)) {
		fprintf(stderr, "ebpfrec record: no user '%s'\n", a.user);
		ebr_filter__free(a.filter);
		rec_config__free(&a);
		return EXIT_USAGE;
	}
	if (prepare_following(&a)) {
		abandon_child(&a);
		ebr_filter__free(a.filter);
		free(a.followed);
		return EXIT_FAIL;
	}
	cfg = rec_config__to_json(&a, 0);
	cmdline = join_argv(argc, argv);
	a.ro.config_json = cfg;
	a.ro.command_line = cmdline;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	src = ebr_source__open_live(&a.ro);
	if (!src) {
		err = -errno;
		abandon_child(&a);
	} else {
		r = ebr_source__recorder(src);
		if (a.user && drop_privileges(a.user)) {
			ebr_source__close(src);
			abandon_child(&a);
			ebr_filter__free(a.filter);
			rec_config__free(&a);
			free(a.followed);
			free(cfg);
			free(cmdline);
			return EXIT_FAIL;
		}
		pr.json = a.live_output == 2;
		if (a.live_buffer)
			so.buffer_size = a.live_buffer;
		if (a.live_output && !(printer_sub = ebr_source__subscribe(src, &so)))
			err = -errno;
		else
			err = run(src, r, &a, a.ro.output);
		if (!err && a.test)
			err = test_verdict(r, &a);
		ebr_recorder__stop(r);
		ebr_source__close(src); /* the printer empties its queue first */
		if (pr.dec)
			ebr_decoder__free(pr.dec);
		if (pr.failed && pr.failed != EPIPE && !err) {
			fprintf(stderr, "ebpfrec record: cannot write events to stdout: %s\n", strerror(pr.failed));
			err = -pr.failed;
		}
	}
	ebr_filter__free(a.filter);
	rec_config__free(&a);
	free(a.followed);
	free(cfg);
	free(cmdline);
	return err ? EXIT_FAIL : EXIT_OK;
}
