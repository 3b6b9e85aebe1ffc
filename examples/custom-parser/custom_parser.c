// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading fields by name through the capture's own schema: no struct from
 * ebpfrec is compiled in, so this works for any capture, of any version,
 * including types this program has never heard of.
 *
 *   custom-parser trace.ebc          which programs ran, and how they ended
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ebpfrec/capture.h>
#include <ebpfrec/events.h>
#include <ebpfrec/schema.h>

struct proc {
	uint32_t pid;
	char filename[128];
};

int main(int argc, char **argv)
{
	static struct proc procs[4096];
	size_t n_procs = 0;
	const struct ebr_event_header *rec;
	const struct ebr_schema *s;
	const struct ebr_type *exec_t, *exit_t;
	const struct ebr_field *pid_f, *file_f, *code_f, *sig_f;
	struct ebr_reader *r;
	struct ebr_cursor *c;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CAPTURE\n", argv[0]);
		return 2;
	}
	r = ebr_reader__open(argv[1]);
	if (!r)
		return 1;
	s = ebr_reader__schema(r);
	exec_t = ebr_schema__type_by_name(s, "exec");
	exit_t = ebr_schema__type_by_name(s, "exit");
	if (!exec_t || !exit_t) {
		fprintf(stderr, "this capture has no exec/exit events\n");
		return 1;
	}
	pid_f = ebr_type__field(exec_t, "pid");
	file_f = ebr_type__field(exec_t, "filename");
	code_f = ebr_type__field(exit_t, "exit_code");
	sig_f = ebr_type__field(exit_t, "signal");
	c = ebr_cursor__open(r, NULL);
	while (ebr_cursor__next(c, &rec) > 0) {
		if (rec->type == exec_t->id && n_procs < 4096 && ebr_field__s64(ebr_type__field(exec_t, "ret"), rec) == 0) {
			size_t len;
			const char *name = ebr_field__str(file_f, rec, &len);

			procs[n_procs].pid = (uint32_t)ebr_field__u64(pid_f, rec);
			snprintf(procs[n_procs].filename, sizeof(procs[0].filename), "%.*s", (int)len, name);
			n_procs++;
		} else if (rec->type == exit_t->id) {
			uint32_t pid = (uint32_t)ebr_field__u64(ebr_type__field(exit_t, "pid"), rec);

			/* the latest exec of that pid is the program that ended */
			for (size_t i = n_procs; i-- > 0;)
				if (procs[i].pid == pid) {
					printf("%s exit=%" PRId64 " signal=%" PRIu64 "\n", procs[i].filename,
					       ebr_field__s64(code_f, rec), ebr_field__u64(sig_f, rec));
					break;
				}
		}
	}
	ebr_cursor__close(c);
	ebr_reader__close(r);
	return 0;
}
