// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Names for numbers a capture stores: errno values and signals. These are
 * Linux's numbers (x86-64 and arm64 agree), compiled in rather than taken
 * from the reading machine's libc, so a capture decodes the same on macOS.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include "ebpfrec/capture.h"
#include "events.h"
#include "names.h"

static const char *const errno_names[] = {
	[1] = "EPERM",
	[2] = "ENOENT",
	[3] = "ESRCH",
	[4] = "EINTR",
	[5] = "EIO",
	[6] = "ENXIO",
	[7] = "E2BIG",
	[8] = "ENOEXEC",
	[9] = "EBADF",
	[10] = "ECHILD",
	[11] = "EAGAIN",
	[12] = "ENOMEM",
	[13] = "EACCES",
	[14] = "EFAULT",
	[15] = "ENOTBLK",
	[16] = "EBUSY",
	[17] = "EEXIST",
	[18] = "EXDEV",
	[19] = "ENODEV",
	[20] = "ENOTDIR",
	[21] = "EISDIR",
	[22] = "EINVAL",
	[23] = "ENFILE",
	[24] = "EMFILE",
	[25] = "ENOTTY",
	[26] = "ETXTBSY",
	[27] = "EFBIG",
	[28] = "ENOSPC",
	[29] = "ESPIPE",
	[30] = "EROFS",
	[31] = "EMLINK",
	[32] = "EPIPE",
	[33] = "EDOM",
	[34] = "ERANGE",
	[35] = "EDEADLK",
	[36] = "ENAMETOOLONG",
	[37] = "ENOLCK",
	[38] = "ENOSYS",
	[39] = "ENOTEMPTY",
	[40] = "ELOOP",
	[42] = "ENOMSG",
	[43] = "EIDRM",
	[44] = "ECHRNG",
	[45] = "EL2NSYNC",
	[46] = "EL3HLT",
	[47] = "EL3RST",
	[48] = "ELNRNG",
	[49] = "EUNATCH",
	[50] = "ENOCSI",
	[51] = "EL2HLT",
	[52] = "EBADE",
	[53] = "EBADR",
	[54] = "EXFULL",
	[55] = "ENOANO",
	[56] = "EBADRQC",
	[57] = "EBADSLT",
	[59] = "EBFONT",
	[60] = "ENOSTR",
	[61] = "ENODATA",
	[62] = "ETIME",
	[63] = "ENOSR",
	[64] = "ENONET",
	[65] = "ENOPKG",
	[66] = "EREMOTE",
	[67] = "ENOLINK",
	[68] = "EADV",
	[69] = "ESRMNT",
	[70] = "ECOMM",
	[71] = "EPROTO",
	[72] = "EMULTIHOP",
	[73] = "EDOTDOT",
	[74] = "EBADMSG",
	[75] = "EOVERFLOW",
	[76] = "ENOTUNIQ",
	[77] = "EBADFD",
	[78] = "EREMCHG",
	[79] = "ELIBACC",
	[80] = "ELIBBAD",
	[81] = "ELIBSCN",
	[82] = "ELIBMAX",
	[83] = "ELIBEXEC",
	[84] = "EILSEQ",
	[85] = "ERESTART",
	[86] = "ESTRPIPE",
	[87] = "EUSERS",
	[88] = "ENOTSOCK",
	[89] = "EDESTADDRREQ",
	[90] = "EMSGSIZE",
	[91] = "EPROTOTYPE",
	[92] = "ENOPROTOOPT",
	[93] = "EPROTONOSUPPORT",
	[94] = "ESOCKTNOSUPPORT",
	[95] = "EOPNOTSUPP",
	[96] = "EPFNOSUPPORT",
	[97] = "EAFNOSUPPORT",
	[98] = "EADDRINUSE",
	[99] = "EADDRNOTAVAIL",
	[100] = "ENETDOWN",
	[101] = "ENETUNREACH",
	[102] = "ENETRESET",
	[103] = "ECONNABORTED",
	[104] = "ECONNRESET",
	[105] = "ENOBUFS",
	[106] = "EISCONN",
	[107] = "ENOTCONN",
	[108] = "ESHUTDOWN",
	[109] = "ETOOMANYREFS",
	[110] = "ETIMEDOUT",
	[111] = "ECONNREFUSED",
	[112] = "EHOSTDOWN",
	[113] = "EHOSTUNREACH",
	[114] = "EALREADY",
	[115] = "EINPROGRESS",
	[116] = "ESTALE",
	[117] = "EUCLEAN",
	[118] = "ENOTNAM",
	[119] = "ENAVAIL",
	[120] = "EISNAM",
	[121] = "EREMOTEIO",
	[122] = "EDQUOT",
	[123] = "ENOMEDIUM",
	[124] = "EMEDIUMTYPE",
	[125] = "ECANCELED",
	[126] = "ENOKEY",
	[127] = "EKEYEXPIRED",
	[128] = "EKEYREVOKED",
	[129] = "EKEYREJECTED",
	[130] = "EOWNERDEAD",
	[131] = "ENOTRECOVERABLE",
	[132] = "ERFKILL",
	[133] = "EHWPOISON",
};

static const char *const signal_names[] = {
	[1] = "SIGHUP",   [2] = "SIGINT",     [3] = "SIGQUIT",  [4] = "SIGILL",   [5] = "SIGTRAP",
	[6] = "SIGABRT",  [7] = "SIGBUS",     [8] = "SIGFPE",   [9] = "SIGKILL",  [10] = "SIGUSR1",
	[11] = "SIGSEGV", [12] = "SIGUSR2",   [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
	[16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU",   [23] = "SIGURG",  [24] = "SIGXCPU", [25] = "SIGXFSZ",
	[26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO",  [30] = "SIGPWR",
	[31] = "SIGSYS",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *ebr_errno_name(unsigned err)
{
	return err < ARRAY_SIZE(errno_names) ? errno_names[err] : NULL;
}

int ebr_errno_from_name(const char *name)
{
	for (unsigned i = 1; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i] && !strcasecmp(errno_names[i], name))
			return (int)i;
	return -1;
}

const char *ebr_signal_name(unsigned sig, char *buf, size_t len)
{
	if (sig < ARRAY_SIZE(signal_names) && signal_names[sig])
		return signal_names[sig];
	if (sig >= 34 && sig <= 64) {
		snprintf(buf, len, "SIGRTMIN+%u", sig - 34);
		return buf;
	}
	snprintf(buf, len, "%u", sig);
	return buf;
}

int ebr_signal_from_name(const char *name)
{
	const char *n = name;
	char *end;
	long v;

	if (!strncasecmp(n, "SIG", 3))
		n += 3;
	for (unsigned i = 1; i < ARRAY_SIZE(signal_names); i++)
		if (signal_names[i] && !strcasecmp(signal_names[i] + 3, n))
			return (int)i;
	if (!strncasecmp(n, "RTMIN", 5)) {
		if (!n[5])
			return 34;
		if (n[5] != '+' || n[6] < '0' || n[6] > '9')
			return -1;
		v = strtol(n + 6, &end, 10);
		return !*end && v <= 30 ? 34 + (int)v : -1;
	}
	if (!strcasecmp(n, "RTMAX"))
		return 64;
	if (!strcasecmp(n, "IOT"))
		return 6;
	if (!strcasecmp(n, "POLL"))
		return 29;
	return -1;
}

const char *ebr_drop_reason__name(unsigned reason)
{
	static const char *const names[EBR_DROP_NR] = {
		[EBR_DROP_RINGBUF_FULL] = "ring buffer full",
		[EBR_DROP_RATE_LIMITED] = "rate limited",
		[EBR_DROP_FILTERED_KERNEL] = "filtered in kernel",
		[EBR_DROP_FILTERED_USER] = "filtered in recorder",
		[EBR_DROP_TRUNCATED] = "truncated (recorded, a string cut)",
		[EBR_DROP_WRITER_BACKLOG] = "writer backlog",
		[EBR_DROP_CORRUPT] = "corrupt record",
	};
	return reason < EBR_DROP_NR && names[reason] ? names[reason] : "other";
}

#include "syscalls_aarch64.inc"
#include "syscalls_x86_64.inc"

static const char *const *syscall_table(const char *machine, size_t *n)
{
	if (machine && (!strcmp(machine, "aarch64") || !strcmp(machine, "arm64"))) {
		*n = ARRAY_SIZE(syscalls_aarch64);
		return syscalls_aarch64;
	}
	/* x86_64 is the default: the arch most captures come from */
	*n = ARRAY_SIZE(syscalls_x86_64);
	return syscalls_x86_64;
}

const char *ebr_syscall_name(const char *machine, unsigned nr)
{
	size_t n;
	const char *const *t = syscall_table(machine, &n);

	return nr < n ? t[nr] : NULL;
}

unsigned ebr_syscall_count(const char *machine)
{
	size_t n;

	syscall_table(machine, &n);
	return (unsigned)n;
}

int ebr_syscall_nr(const char *machine, const char *name)
{
	size_t n;
	const char *const *t = syscall_table(machine, &n);

	for (size_t i = 0; i < n; i++)
		if (t[i] && !strcmp(t[i], name))
			return (int)i;
	return -1;
}

const char *ebr_tcp_state_name(unsigned state)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT",   [3] = "SYN_RECV", [4] = "FIN_WAIT1",
		[5] = "FIN_WAIT2",   [6] = "TIME_WAIT",  [7] = "CLOSE",    [8] = "CLOSE_WAIT",
		[9] = "LAST_ACK",    [10] = "LISTEN",    [11] = "CLOSING", [12] = "NEW_SYN_RECV",
	};
	return state < ARRAY_SIZE(names) ? names[state] : NULL;
}

const char *ebr_af_name(unsigned af)
{
	return af == 2 ? "inet" : af == 10 ? "inet6" : af == 1 ? "unix" : NULL;
}

const char *ebr_proto_name(unsigned proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : NULL;
}

const char *ebr_direction_name(unsigned dir)
{
	return dir == 1 ? "out" : dir == 2 ? "in" : "unknown";
}

const char *ebr_file_op_name(unsigned op)
{
	static const char *const names[] = {
		[1] = "open",  [2] = "read",   [3] = "pread",  [4] = "readv",   [5] = "preadv",
		[6] = "write", [7] = "pwrite", [8] = "writev", [9] = "pwritev", [10] = "close",
	};
	return op < ARRAY_SIZE(names) ? names[op] : NULL;
}

const char *ebr_ftype_name(unsigned ftype)
{
	static const char *const names[] = {
		[1] = "fifo", [2] = "chr", [4] = "dir", [6] = "blk", [8] = "reg", [10] = "lnk", [12] = "sock",
	};
	return ftype < ARRAY_SIZE(names) ? names[ftype] : NULL;
}

struct flag_name {
	unsigned long long bit;
	const char *name;
};

static size_t flags_to_str(unsigned long long v, const struct flag_name *t, size_t n, char *buf,
			   size_t len, size_t used)
{
	for (size_t i = 0; i < n && used < len; i++) {
		if (!(v & t[i].bit))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "|" : "", t[i].name);
		v &= ~t[i].bit;
	}
	if (v && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%s0x%llx", used ? "|" : "", v);
	return used;
}

const char *ebr_open_flags_str(const char *machine, unsigned flags, char *buf, size_t len)
{
	/* these four differ between x86-64 and arm64 */
	int arm = machine && (!strcmp(machine, "aarch64") || !strcmp(machine, "arm64"));
	const struct flag_name t[] = {
		{ 0100, "O_CREAT" },      { 0200, "O_EXCL" },          { 0400, "O_NOCTTY" },
		{ 01000, "O_TRUNC" },     { 02000, "O_APPEND" },       { 04000, "O_NONBLOCK" },
		{ 010000, "O_DSYNC" },    { 020000, "O_ASYNC" },
		{ arm ? 0200000 : 040000, "O_DIRECT" },
		{ arm ? 0400000 : 0100000, "O_LARGEFILE" },
		{ arm ? 040000 : 0200000, "O_DIRECTORY" },
		{ arm ? 0100000 : 0400000, "O_NOFOLLOW" },
		{ 01000000, "O_NOATIME" }, { 02000000, "O_CLOEXEC" }, { 04000000, "O_SYNC" },
		{ 010000000, "O_PATH" },   { 020000000, "O_TMPFILE" },
	};
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	size_t used = (size_t)snprintf(buf, len, "%s", acc[flags & 3]);

	flags_to_str(flags & ~3u, t, ARRAY_SIZE(t), buf, len, used);
	return buf;
}

const char *ebr_prot_str(unsigned prot, char *buf, size_t len)
{
	snprintf(buf, len, "%c%c%c%s", prot & 1 ? 'r' : '-', prot & 2 ? 'w' : '-', prot & 4 ? 'x' : '-',
		 prot & ~7u ? "+" : "");
	return buf;
}

const char *ebr_map_flags_str(unsigned flags, char *buf, size_t len)
{
	static const struct flag_name t[] = {
		{ 0x01, "SHARED" },     { 0x02, "PRIVATE" },   { 0x10, "FIXED" },
		{ 0x20, "ANONYMOUS" },  { 0x100, "GROWSDOWN" }, { 0x800, "DENYWRITE" },
		{ 0x1000, "EXECUTABLE" }, { 0x2000, "LOCKED" }, { 0x4000, "NORESERVE" },
		{ 0x8000, "POPULATE" }, { 0x10000, "NONBLOCK" }, { 0x20000, "STACK" },
		{ 0x40000, "HUGETLB" }, { 0x80000, "SYNC" },    { 0x100000, "FIXED_NOREPLACE" },
	};
	buf[0] = 0;
	if (!flags_to_str(flags, t, ARRAY_SIZE(t), buf, len, 0))
		snprintf(buf, len, "0");
	return buf;
}

const char *ebr_clone_flags_str(uint64_t flags, char *buf, size_t len)
{
	static const struct flag_name t[] = {
		{ 0x100, "VM" },		{ 0x200, "FS" },	     { 0x400, "FILES" },
		{ 0x800, "SIGHAND" },		{ 0x1000, "PIDFD" },	     { 0x2000, "PTRACE" },
		{ 0x4000, "VFORK" },		{ 0x8000, "PARENT" },	     { 0x10000, "THREAD" },
		{ 0x20000, "NEWNS" },		{ 0x40000, "SYSVSEM" },	     { 0x80000, "SETTLS" },
		{ 0x100000, "PARENT_SETTID" },	{ 0x200000, "CHILD_CLEARTID" }, { 0x400000, "DETACHED" },
		{ 0x800000, "UNTRACED" },	{ 0x1000000, "CHILD_SETTID" }, { 0x2000000, "NEWCGROUP" },
		{ 0x4000000, "NEWUTS" },	{ 0x8000000, "NEWIPC" },     { 0x10000000, "NEWUSER" },
		{ 0x20000000, "NEWPID" },	{ 0x40000000, "NEWNET" },    { 0x80000000, "IO" },
		{ 0x100000000ULL, "CLEAR_SIGHAND" }, { 0x200000000ULL, "INTO_CGROUP" },
	};
	unsigned sig = (unsigned)(flags & 0xff);
	size_t used;

	buf[0] = 0;
	used = flags_to_str(flags & ~0xffULL, t, ARRAY_SIZE(t), buf, len, 0);
	/* the exit signal the parent gets: SIGCHLD for a fork, none for a thread */
	if (sig && used < len) {
		char sbuf[16];

		snprintf(buf + used, len - used, "%s%s", used ? "|" : "", ebr_signal_name(sig, sbuf, sizeof(sbuf)));
	} else if (!used) {
		snprintf(buf, len, "0");
	}
	return buf;
}
