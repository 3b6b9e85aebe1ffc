// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ebpfrec/recorder.h"
#include "families.h"
#include "kmem.skel.h"
#include "process.skel.h"
#include "syscalls.skel.h"
#include "tcp.skel.h"

/* Adapts a bpftool skeleton (struct NAME_bpf) to struct rec_object. */
#define DEFINE_OBJECT(NAME)                                                         \
	static void *NAME##_open(void)                                              \
	{                                                                           \
		return NAME##_bpf__open();                                          \
	}                                                                           \
	static struct bpf_object *NAME##_object(void *skel)                         \
	{                                                                           \
		return ((struct NAME##_bpf *)skel)->obj;                            \
	}                                                                           \
	static struct ebr_bpf_config *NAME##_config(void *skel)                     \
	{                                                                           \
		return (struct ebr_bpf_config *)&((struct NAME##_bpf *)skel)->rodata->cfg; \
	}                                                                           \
	static void NAME##_destroy(void *skel)                                      \
	{                                                                           \
		NAME##_bpf__destroy(skel);                                          \
	}

#define OBJECT_ENTRY(NAME, FAMS, MAIN, PREPARE) \
	{ #NAME, FAMS, MAIN, NAME##_open, NAME##_object, NAME##_config, NAME##_destroy, PREPARE }

DEFINE_OBJECT(process)
DEFINE_OBJECT(syscalls)
DEFINE_OBJECT(tcp)
DEFINE_OBJECT(kmem)

/* Number of arguments a raw tracepoint passes, from the kernel's BTF; -1 if unknown. */
static int tracepoint_args(const char *tp)
{
	struct btf *btf = btf__load_vmlinux_btf();
	char name[128];
	const struct btf_type *t;
	int id, n = -1;

	if (!btf)
		return -1;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id > 0) {
		t = btf__type_by_id(btf, btf__resolve_type(btf, id));
		if (t && btf_is_ptr(t))
			t = btf__type_by_id(btf, t->type);
		if (t && btf_is_func_proto(t))
			n = btf_vlen(t) - 1; /* the first is the tracepoint's private data */
	}
	btf__free(btf);
	return n;
}

static void kmem_prepare(struct bpf_object *obj)
{
	int with_node = tracepoint_args("kmalloc") >= 6;

	bpf_program__set_autoload(bpf_object__find_program_by_name(obj, "kmalloc_node"), with_node);
	bpf_program__set_autoload(bpf_object__find_program_by_name(obj, "kmalloc_nonode"), !with_node);
}

const struct rec_object rec_objects[] = {
	OBJECT_ENTRY(process, EBR_FAMILY_BIT(EBR_FAM_PROCESS), EBR_FAM_PROCESS, NULL),
	OBJECT_ENTRY(syscalls,
		     EBR_FAMILY_BIT(EBR_FAM_SYSCALL) | EBR_FAMILY_BIT(EBR_FAM_FILE) |
			     EBR_FAMILY_BIT(EBR_FAM_MEMORY) | EBR_FAMILY_BIT(EBR_FAM_NETWORK) |
			     EBR_FAMILY_BIT(EBR_FAM_PROCESS),
		     EBR_FAM_SYSCALL, NULL),
	OBJECT_ENTRY(tcp, EBR_FAMILY_BIT(EBR_FAM_NETWORK), EBR_FAM_NETWORK, NULL),
	OBJECT_ENTRY(kmem, EBR_FAMILY_BIT(EBR_FAM_MEMORY), EBR_FAM_MEMORY, kmem_prepare),
};
const size_t rec_n_objects = sizeof(rec_objects) / sizeof(rec_objects[0]);
