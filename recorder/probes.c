// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "probes.h"

static char rec_last_error[512];
static int libbpf_verbose;

/* libbpf's messages go through our log; the last warning names a probe's failure. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	if (level == LIBBPF_DEBUG && libbpf_verbose < 2)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	if (level == LIBBPF_WARN && n)
		ebr_strlcpy(rec_last_error, msg, sizeof(rec_last_error));
	ebr_log(libbpf_verbose ? EBR_LOG_WARN : EBR_LOG_DEBUG, "libbpf: %s", msg);
	return 0;
}

void rec_libbpf_setup(int verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_print);
}


static const char *const shared_names[REC_SHARED_MAPS] = {
	"events", "drops", "buckets", "sk_owner", "kfilter", "kf_pids", "kf_cgroups",
};

int rec_probes__map_fd(const struct rec_probes *p, const char *name)
{
	for (unsigned k = 0; k < REC_SHARED_MAPS; k++)
		if (!strcmp(shared_names[k], name))
			return p->shared_fds[k];
	return -1;
}

static void add_status(struct rec_probes *p, unsigned family, const char *name, const char *point,
		       int err, const char *message)
{
	size_t off = ebr_rec__begin(&p->status, sizeof(struct ebr_probe_status));
	struct ebr_probe_status *s = ebr_rec__at(&p->status, off);

	if (!s)
		return;
	s->hdr.type = EBR_T_PROBE_STATUS;
	s->err = err;
	s->family = family;
	s->attached = err == 0;
	ebr_rec__add_str(&p->status, off, offsetof(struct ebr_probe_status, name), name, strlen(name));
	ebr_rec__add_str(&p->status, off, offsetof(struct ebr_probe_status, attach_point), point,
			 strlen(point));
	ebr_rec__add_str(&p->status, off, offsetof(struct ebr_probe_status, message), message,
			 strlen(message));
	ebr_rec__end(&p->status, off);
	if (err)
		p->failed++;
	else
		p->attached++;
}

/* Open an object's skeleton wired to the shared maps; want[i] says whether program i loads. */
static void *open_object(struct rec_probes *p, const struct rec_object *ro,
			 const struct rec_probe_opts *o, const unsigned char *want, int *err)
{
	void *skel = ro->open();
	struct bpf_object *obj;
	struct bpf_program *prog;
	size_t i = 0;

	if (!skel) {
		*err = -errno;
		return NULL;
	}
	obj = ro->object(skel);
	*ro->config(skel) = *o->cfg;
	*err = 0;
	for (unsigned k = 0; k < REC_SHARED_MAPS && !*err; k++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, shared_names[k]);

		if (!m)
			continue;
		if (k == 0)
			*err = bpf_map__set_max_entries(m, o->ringbuf_size);
		if (!*err && p->shared_fds[k] >= 0)
			*err = bpf_map__reuse_fd(m, p->shared_fds[k]);
	}
	if (*err) {
		ro->destroy(skel);
		return NULL;
	}
	if (ro->prepare)
		ro->prepare(obj);
	/* only ever turn programs off: what prepare() turned off stays off */
	bpf_object__for_each_program(prog, obj)
		if (want && !want[i++])
			bpf_program__set_autoload(prog, false);
	return skel;
}

/* After a load, the maps this object created become the shared ones. */
static int adopt_shared_maps(struct rec_probes *p, struct bpf_object *obj)
{
	for (unsigned k = 0; k < REC_SHARED_MAPS; k++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, shared_names[k]);

		if (!m || p->shared_fds[k] >= 0)
			continue;
		/* our own reference: the map outlives the object that created it */
		p->shared_fds[k] = dup(bpf_map__fd(m));
		if (p->shared_fds[k] < 0)
			return -errno;
	}
	p->rb_fd = p->shared_fds[0];
	p->drops_fd = p->shared_fds[1];
	return 0;
}

static size_t program_count(const struct rec_object *ro, void *skel)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, ro->object(skel))
		n++;
	return n;
}

/*
 * A failed load says only that some program was refused. Find which by
 * loading each alone, so one bad probe costs only itself.
 */
static void *load_what_loads(struct rec_probes *p, const struct rec_object *ro,
			     const struct rec_probe_opts *o, size_t n)
{
	unsigned char *want = calloc(n, 1), *good = calloc(n, 1);
	void *skel = NULL;
	size_t n_good = 0;
	int err;

	if (!want || !good)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct bpf_program *prog;
		size_t k = 0;

		memset(want, 0, n);
		want[i] = 1;
		skel = open_object(p, ro, o, want, &err);
		if (!skel)
			break;
		bpf_object__for_each_program(prog, ro->object(skel))
			if (k++ == i && !bpf_program__autoload(prog))
				want[i] = 0; /* prepare() turned it off: not a failure */
		if (want[i]) {
			rec_last_error[0] = 0;
			err = bpf_object__load(ro->object(skel));
			k = 0;
			bpf_object__for_each_program(prog, ro->object(skel))
				if (k++ == i && err)
					add_status(p, ro->main_family, bpf_program__name(prog),
						   bpf_program__section_name(prog), err,
						   rec_last_error[0] ? rec_last_error : strerror(-err));
			if (!err) {
				good[i] = 1;
				n_good++;
			}
		}
		ro->destroy(skel);
		skel = NULL;
	}
	if (n_good) {
		skel = open_object(p, ro, o, good, &err);
		if (skel && bpf_object__load(ro->object(skel))) {
			ro->destroy(skel);
			skel = NULL;
		}
	}
out:
	free(want);
	free(good);
	return skel;
}

static void attach_object(struct rec_probes *p, struct rec_loaded *l)
{
	struct bpf_program *prog;

	l->links = calloc(program_count(l->obj, l->skel), sizeof(*l->links));
	bpf_object__for_each_program(prog, l->obj->object(l->skel)) {
		struct bpf_link *link;
		int err;

		if (!bpf_program__autoload(prog))
			continue;
		rec_last_error[0] = 0;
		link = bpf_program__attach(prog);
		err = link ? 0 : -errno;
		add_status(p, l->obj->main_family, bpf_program__name(prog),
			   bpf_program__section_name(prog), err,
			   err ? (rec_last_error[0] ? rec_last_error : strerror(-err)) : "attached");
		if (!link)
			continue;
		if (l->links)
			l->links[l->n_links++] = link;
		p->families_ok |= l->obj->families;
	}
}

static int fill_syscall_filter(struct bpf_object *obj, const struct rec_probe_opts *o)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "syscall_filter");
	uint8_t on = 1;

	if (!m || !o->syscalls)
		return 0;
	for (size_t i = 0; i < o->n_syscalls; i++)
		if (bpf_map__update_elem(m, &o->syscalls[i], sizeof(uint32_t), &on, 1, BPF_ANY))
			return -errno;
	return 0;
}

void rec_probes__init(struct rec_probes *p)
{
	memset(p, 0, sizeof(*p));
	for (unsigned k = 0; k < REC_SHARED_MAPS; k++)
		p->shared_fds[k] = -1;
	p->rb_fd = p->drops_fd = -1;
}

int rec_probes__load(struct rec_probes *p, const struct rec_probe_opts *o)
{
	int maps_ready_done = 0;
	int err;

	p->ncpus = libbpf_num_possible_cpus();
	if (p->ncpus <= 0)
		return p->ncpus ? p->ncpus : -EINVAL;
	p->drop_vals = calloc((size_t)EBR_DROP_NR * EBR_DROP_TYPE_SLOTS * (size_t)p->ncpus,
			      sizeof(uint64_t));
	if (!p->drop_vals)
		return -ENOMEM;
	for (size_t i = 0; i < rec_n_objects; i++) {
		const struct rec_object *ro = &rec_objects[i];
		struct rec_loaded *l = &p->loaded[p->n_loaded];
		void *skel;

		if (!(o->families & ro->families))
			continue;
		skel = open_object(p, ro, o, NULL, &err);
		if (!skel) {
			add_status(p, ro->main_family, ro->name, "(open)", err, strerror(-err));
			continue;
		}
		rec_last_error[0] = 0;
		err = bpf_object__load(ro->object(skel));
		if (err) {
			size_t n = program_count(ro, skel);

			ro->destroy(skel);
			pr_warn("%s probes: not every program loads on this kernel; finding which", ro->name);
			skel = load_what_loads(p, ro, o, n);
			if (!skel)
				continue;
		}
		err = adopt_shared_maps(p, ro->object(skel));
		if (!err)
			err = fill_syscall_filter(ro->object(skel), o);
		if (!err && o->maps_ready && !maps_ready_done) {
			err = o->maps_ready(p, o->ctx);
			maps_ready_done = 1;
		}
		if (err) {
			ro->destroy(skel);
			return err;
		}
		l->obj = ro;
		l->skel = skel;
		p->n_loaded++;
		attach_object(p, l);
	}
	if (!p->attached) {
		if (geteuid() != 0) {
			pr_err("no probe could be loaded: recording needs root, or CAP_BPF and CAP_PERFMON");
			return -EPERM;
		}
		pr_err("no probe could be attached; nothing can be recorded (run `ebpfrec doctor`)");
		return -ENOTSUP;
	}
	return 0;
}

void rec_probes__detach(struct rec_probes *p)
{
	for (size_t i = 0; i < p->n_loaded; i++) {
		struct rec_loaded *l = &p->loaded[i];

		for (size_t k = 0; k < l->n_links; k++)
			bpf_link__destroy(l->links[k]);
		free(l->links);
		l->obj->destroy(l->skel);
	}
	p->n_loaded = 0;
}

int rec_probes__read_drops(struct rec_probes *p, uint64_t *out)
{
	uint32_t n = EBR_DROP_NR * EBR_DROP_TYPE_SLOTS;
	uint32_t count = n, out_batch = 0;
	uint32_t *keys;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int err;

	if (p->drops_fd < 0)
		return -EBADF;
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	/* one syscall for every counter of every CPU */
	err = bpf_map_lookup_batch(p->drops_fd, NULL, &out_batch, keys, p->drop_vals, &count, &opts);
	if (err && errno != ENOENT) {
		err = -errno;
		free(keys);
		return err;
	}
	memset(out, 0, n * sizeof(*out));
	for (uint32_t i = 0; i < count; i++) {
		uint64_t sum = 0;

		for (int c = 0; c < p->ncpus; c++)
			sum += p->drop_vals[(size_t)i * p->ncpus + c];
		if (keys[i] < n)
			out[keys[i]] = sum;
	}
	free(keys);
	return 0;
}

void rec_probes__close(struct rec_probes *p)
{
	rec_probes__detach(p);
	for (unsigned k = 0; k < REC_SHARED_MAPS; k++)
		if (p->shared_fds[k] >= 0)
			close(p->shared_fds[k]);
	for (unsigned k = 0; k < REC_SHARED_MAPS; k++)
		p->shared_fds[k] = -1;
	p->rb_fd = p->drops_fd = -1;
	free(p->drop_vals);
	p->drop_vals = NULL;
	ebr_buf__free(&p->status);
}
