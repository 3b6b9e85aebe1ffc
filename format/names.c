// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Names for numbers a capture stores: errno values and signals. These are
 * Linux's numbers (x86-64 and arm64 agree), compiled in rather than taken
 * from the reading machine's libc, so a capture decodes the same on macOS.
 */
#include <stdio.h>
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
