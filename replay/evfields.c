// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "ebpfrec/capture.h"
#include "events.h"
#include "evfields.h"

static const char *const names[EVF_NR_FIELDS] = {
	[EVF_DURATION] = "duration",
	[EVF_RET] = "ret",
	[EVF_NR] = "nr",
	[EVF_SYSCALL_FLAGS] = "syscall_flags",
	[EVF_FILENAME] = "filename",
	[EVF_SADDR] = "saddr",
	[EVF_DADDR] = "daddr",
	[EVF_SPORT] = "sport",
	[EVF_DPORT] = "dport",
	[EVF_PROTOCOL] = "protocol",
	[EVF_DIRECTION] = "direction",
	[EVF_BYTES_SENT] = "bytes_sent",
	[EVF_BYTES_RECEIVED] = "bytes_received",
	[EVF_RETRANSMITS] = "retransmits",
	[EVF_SOCK] = "sock",
	[EVF_CHILD_PID] = "child_pid",
	[EVF_CHILD_TID] = "child_tid",
	[EVF_THREAD] = "thread",
	[EVF_EXIT_CODE] = "exit_code",
	[EVF_SIGNAL] = "signal",
	[EVF_FD] = "fd",
};

void evfields__init(struct evfields *ef, const struct ebr_schema *s)
{
	memset(ef, 0, sizeof(*ef));
	ef->schema = s;
}

const struct ebr_field *evfields__get(struct evfields *ef, unsigned type, enum evf which)
{
	if (type >= EVF_MAX_TYPES || which >= EVF_NR_FIELDS)
		return NULL;
	if (!ef->resolved[type]) {
		const struct ebr_type *t = ebr_schema__type(ef->schema, type);

		for (unsigned i = 0; t && i < EVF_NR_FIELDS; i++) {
			const struct ebr_field *f = ebr_type__field(t, names[i]);

			/* a field of the wrong shape is treated as absent, never misread */
			if (f && i == EVF_FILENAME && !ebr_field__is_string(f))
				f = NULL;
			else if (f && (i == EVF_SADDR || i == EVF_DADDR) && f->kind != EBR_FK_IPADDR)
				f = NULL;
			else if (f && i != EVF_FILENAME && i != EVF_SADDR && i != EVF_DADDR &&
				 ebr_field__is_string(f))
				f = NULL;
			ef->f[type][i] = f;
		}
		ef->resolved[type] = 1;
	}
	return ef->f[type][which];
}

uint64_t evf__u64(struct evfields *ef, const struct ebr_event_header *rec, enum evf which, uint64_t def)
{
	const struct ebr_field *f = evfields__get(ef, rec->type, which);

	return f ? ebr_field__u64(f, rec) : def;
}

int64_t evf__s64(struct evfields *ef, const struct ebr_event_header *rec, enum evf which, int64_t def)
{
	const struct ebr_field *f = evfields__get(ef, rec->type, which);

	return f ? ebr_field__s64(f, rec) : def;
}

const char *evf__str(struct evfields *ef, const struct ebr_event_header *rec, enum evf which, size_t *len)
{
	const struct ebr_field *f = evfields__get(ef, rec->type, which);

	*len = 0;
	return f ? ebr_field__str(f, rec, len) : NULL;
}

const uint8_t *evf__ip(struct evfields *ef, const struct ebr_event_header *rec, enum evf which)
{
	const struct ebr_field *f = evfields__get(ef, rec->type, which);

	/* the cursor validated the record against the type's fixed size, which covers the field */
	return f && f->size == 16 ? (const uint8_t *)rec + f->offset : NULL;
}
