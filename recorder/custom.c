// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "custom.h"
#include "events.h"
#include "internal.h"

#define HDR sizeof(struct ebr_event_header)

static void add_status(struct ebr_buf *status, const char *name, const char *point, int err, const char *msg)
{
	size_t off = ebr_rec__begin(status, sizeof(struct ebr_probe_status));
	struct ebr_probe_status *s = ebr_rec__at(status, off);

	if (!s)
		return;
	s->hdr.type = EBR_T_PROBE_STATUS;
	s->err = err;
	s->family = EBR_FAM_CUSTOM;
	s->attached = err == 0;
	ebr_rec__add_str(status, off, offsetof(struct ebr_probe_status, name), name, strlen(name));
	ebr_rec__add_str(status, off, offsetof(struct ebr_probe_status, attach_point), point, strlen(point));
	ebr_rec__add_str(status, off, offsetof(struct ebr_probe_status, message), msg, strlen(msg));
	ebr_rec__end(status, off);
}

/* A struct member as a schema field: ints keep their sign, char arrays are strings, the rest bytes. */
static int member_field(const struct btf *btf, const struct btf_member *m, uint32_t bit_off,
			struct ebr_field *f)
{
	int id = btf__resolve_type(btf, m->type);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
	long long size = id > 0 ? btf__resolve_size(btf, (uint32_t)id) : -1;

	if (!t || size <= 0 || bit_off % 8)
		return -1; /* bitfields and things without a size are left out */
	f->offset = (uint32_t)(HDR + bit_off / 8);
	f->size = (uint32_t)size;
	f->hint = EBR_FH_NONE;
	if (btf_is_int(t) || btf_is_enum(t)) {
		int is_signed = btf_is_int(t) ? (btf_int_encoding(t) & BTF_INT_SIGNED) != 0 : 0;
		static const uint16_t u[] = { 0, EBR_FK_U8, EBR_FK_U16, 0, EBR_FK_U32, 0, 0, 0, EBR_FK_U64 };
		static const uint16_t sg[] = { 0, EBR_FK_S8, EBR_FK_S16, 0, EBR_FK_S32, 0, 0, 0, EBR_FK_S64 };

		if (size > 8 || !u[size])
			f->kind = EBR_FK_BYTES;
		else
			f->kind = is_signed ? sg[size] : u[size];
		if (btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_BOOL))
			f->hint = EBR_FH_BOOL;
		return 0;
	}
	if (btf_is_ptr(t)) {
		f->kind = EBR_FK_U64;
		f->hint = EBR_FH_HEX;
		return 0;
	}
	if (btf_is_array(t)) {
		int elem = btf__resolve_type(btf, btf_array(t)->type);
		const struct btf_type *et = elem > 0 ? btf__type_by_id(btf, (uint32_t)elem) : NULL;

		f->kind = et && btf_is_int(et) && et->size == 1 ? EBR_FK_CHARS : EBR_FK_BYTES;
		return 0;
	}
	f->kind = EBR_FK_BYTES;
	return 0;
}

static int describe(struct rec_custom *c, const struct btf *btf, const char *struct_name, uint16_t id,
		    const struct ebr_field *common, size_t n_common)
{
	int sid = btf__find_by_name_kind(btf, struct_name, BTF_KIND_STRUCT);
	const struct btf_type *t;
	const struct btf_member *m;
	struct ebr_field *fs;
	size_t n = 0;

	if (sid <= 0) {
		pr_err("custom program: the object has no BTF struct '%s' (name its record type with --bpf-type)",
		       struct_name);
		return -ENOENT;
	}
	t = btf__type_by_id(btf, (uint32_t)sid);
	m = btf_members(t);
	fs = calloc(n_common + btf_vlen(t), sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	for (size_t i = 0; i < n_common; i++)
		fs[n++] = common[i];
	c->off_ts = c->off_pid = c->off_tid = c->off_comm = -1;
	for (unsigned i = 0; i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(btf, m[i].name_off);
		struct ebr_field *f = &fs[n];
		int dup = 0;

		if (!name || !*name || btf_member_bitfield_size(t, i) ||
		    member_field(btf, &m[i], btf_member_bit_offset(t, i), f))
			continue;
		/* members that the common header already names fill it instead */
		if (!strcmp(name, "ts") && f->size == 8)
			c->off_ts = (int)(f->offset - HDR);
		else if (!strcmp(name, "pid") && f->size == 4)
			c->off_pid = (int)(f->offset - HDR);
		else if (!strcmp(name, "tid") && f->size == 4)
			c->off_tid = (int)(f->offset - HDR);
		else if (!strcmp(name, "comm") && f->kind == EBR_FK_CHARS)
			c->off_comm = (int)(f->offset - HDR);
		for (size_t k = 0; k < n_common; k++)
			dup |= !strcmp(common[k].name, name);
		if (dup)
			continue;
		f->name = strdup(name);
		if (!f->name)
			return -ENOMEM;
		n++;
	}
	c->payload_size = t->size;
	c->type.name = strdup(struct_name);
	c->type.family_name = "custom";
	c->type.id = id;
	c->type.family = EBR_FAM_CUSTOM;
	c->type.fixed_size = (uint32_t)(HDR + ((t->size + 7) & ~7u));
	c->type.n_fields = (uint32_t)n;
	c->type.fields = fs;
	return c->type.name ? 0 : -ENOMEM;
}

int rec_custom__load(struct rec_custom *c, const struct ebr_custom_program *spec, uint16_t id,
		     const char *const *common_names, const struct ebr_field *common, size_t n_common,
		     struct ebr_buf *status)
{
	const char *map_name = spec->map ? spec->map : "events", *type = spec->type ? spec->type : "event";
	struct bpf_program *prog;
	struct bpf_map *map;
	size_t n_progs = 0;
	int err;

	(void)common_names;
	c->ring_fd = -1;
	c->obj = bpf_object__open_file(spec->object, NULL);
	if (!c->obj) {
		err = -errno;
		pr_err("cannot open the BPF object %s: %s", spec->object, strerror(errno));
		return err;
	}
	map = bpf_object__find_map_by_name(c->obj, map_name);
	if (!map || bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF) {
		pr_err("%s has no ring buffer map named '%s' (name it with --bpf-map)", spec->object, map_name);
		return -ENOENT;
	}
	err = describe(c, bpf_object__btf(c->obj), type, id, common, n_common);
	if (err)
		return err;
	err = bpf_object__load(c->obj);
	if (err) {
		pr_err("the BPF object %s does not load: %s", spec->object, strerror(-err));
		return err;
	}
	c->ring_fd = bpf_map__fd(map);
	bpf_object__for_each_program(prog, c->obj)
		n_progs++;
	c->links = calloc(n_progs ? n_progs : 1, sizeof(*c->links));
	if (!c->links)
		return -ENOMEM;
	bpf_object__for_each_program(prog, c->obj) {
		struct bpf_link *link = bpf_program__attach(prog);

		err = link ? 0 : -errno;
		add_status(status, bpf_program__name(prog), bpf_program__section_name(prog), err,
			   err ? strerror(-err) : "attached");
		if (link)
			c->links[c->n_links++] = link;
	}
	if (!c->n_links) {
		pr_err("no program of %s could be attached", spec->object);
		return -ENOTSUP;
	}
	return 0;
}

void rec_custom__detach(struct rec_custom *c)
{
	for (size_t i = 0; i < c->n_links; i++)
		bpf_link__destroy(c->links[i]);
	free(c->links);
	c->links = NULL;
	c->n_links = 0;
}

void rec_custom__close(struct rec_custom *c)
{
	rec_custom__detach(c);
	bpf_object__close(c->obj);
	c->obj = NULL;
	for (uint32_t k = 0; c->type.fields && k < c->type.n_fields; k++)
		if (c->type.fields[k].offset >= HDR)
			free((char *)c->type.fields[k].name);
	free((struct ebr_field *)c->type.fields);
	free((char *)c->type.name);
	memset(&c->type, 0, sizeof(c->type));
}
