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

static char last_error[512];
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
		ebr_strlcpy(last_error, msg, sizeof(last_error));
	ebr_log(libbpf_verbose ? EBR_LOG_WARN : EBR_LOG_DEBUG, "libbpf: %s", msg);
	return 0;
}

void rec_libbpf_setup(int verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

const char *rec_libbpf_last_error(void)
{
	return last_error;
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

/* Open a family's skeleton wired to the shared maps; only programs in want are loaded. */
static void *open_family(struct rec_probes *p, const struct rec_family *fam,
			 const struct ebr_bpf_config *cfg, const unsigned char *want, int *err)
{
	void *skel = fam->open();
	struct bpf_object *obj;
	struct bpf_program *prog;
	size_t i = 0;

	if (!skel) {
		*err = -errno;
		return NULL;
	}
	obj = fam->object(skel);
	*fam->config(skel) = *cfg;
	*err = bpf_map__reuse_fd(bpf_object__find_map_by_name(obj, "events"), p->rb_fd);
	if (!*err)
		*err = bpf_map__reuse_fd(bpf_object__find_map_by_name(obj, "drops"), p->drops_fd);
	if (*err) {
		fam->destroy(skel);
		return NULL;
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, want ? want[i++] : 1);
	return skel;
}

static size_t program_count(const struct rec_family *fam, void *skel)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, fam->object(skel))
		n++;
	return n;
}

/*
 * A failed load says only that some program was refused. Find which by
 * loading each alone, so one bad probe costs only itself.
 */
static void *load_what_loads(struct rec_probes *p, const struct rec_family *fam,
			     const struct ebr_bpf_config *cfg, size_t n)
{
	unsigned char *want = calloc(n, 1);
	void *skel = NULL;
	size_t good = 0;
	int err;

	if (!want)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct bpf_program *prog;
		size_t k = 0;

		memset(want, 0, n);
		want[i] = 1;
		skel = open_family(p, fam, cfg, want, &err);
		if (!skel)
			break;
		err = bpf_object__load(fam->object(skel));
		if (err) {
			bpf_object__for_each_program(prog, fam->object(skel))
				if (k++ == i)
					add_status(p, fam->id, bpf_program__name(prog),
						   bpf_program__section_name(prog), err,
						   rec_libbpf_last_error());
			want[i] = 0;
		}
		fam->destroy(skel);
		skel = NULL;
		good += want[i] = err ? 0 : 2;
	}
	for (size_t i = 0; i < n; i++)
		want[i] = want[i] == 2;
	if (good)
		skel = open_family(p, fam, cfg, want, &err);
	if (skel && bpf_object__load(fam->object(skel))) {
		fam->destroy(skel);
		skel = NULL;
	}
	free(want);
	return skel;
}

static void attach_family(struct rec_probes *p, struct rec_loaded *l)
{
	struct bpf_program *prog;

	l->links = calloc(program_count(l->fam, l->skel), sizeof(*l->links));
	bpf_object__for_each_program(prog, l->fam->object(l->skel)) {
		struct bpf_link *link;
		int err;

		if (!bpf_program__autoload(prog))
			continue;
		last_error[0] = 0;
		link = bpf_program__attach(prog);
		err = link ? 0 : -errno;
		add_status(p, l->fam->id, bpf_program__name(prog), bpf_program__section_name(prog), err,
			   err ? (last_error[0] ? last_error : strerror(-err)) : "attached");
		if (!link)
			continue;
		if (l->links)
			l->links[l->n_links++] = link;
		p->families_ok |= 1u << l->fam->id;
	}
}

static int create_maps(struct rec_probes *p, uint32_t ringbuf_size)
{
	p->ncpus = libbpf_num_possible_cpus();
	if (p->ncpus <= 0)
		return p->ncpus ? p->ncpus : -EINVAL;
	p->rb_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, ringbuf_size, NULL);
	if (p->rb_fd < 0)
		return -errno;
	p->drops_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "drops", sizeof(uint32_t),
				     sizeof(uint64_t), EBR_DROP_NR * EBR_DROP_TYPE_SLOTS, NULL);
	if (p->drops_fd < 0)
		return -errno;
	p->drop_vals = calloc((size_t)EBR_DROP_NR * EBR_DROP_TYPE_SLOTS * (size_t)p->ncpus,
			      sizeof(uint64_t));
	return p->drop_vals ? 0 : -ENOMEM;
}

int rec_probes__load(struct rec_probes *p, unsigned mask, const struct ebr_bpf_config *cfg,
		     uint32_t ringbuf_size)
{
	int err;

	p->rb_fd = p->drops_fd = -1;
	err = create_maps(p, ringbuf_size);
	if (err) {
		pr_err("cannot create the ring buffer (%u bytes): %s%s", ringbuf_size, strerror(-err),
		       err == -EPERM ? " (recording needs root, or CAP_BPF and CAP_PERFMON)" : "");
		return err;
	}
	for (size_t i = 0; i < rec_n_families; i++) {
		const struct rec_family *fam = &rec_families[i];
		struct rec_loaded *l = &p->loaded[p->n_loaded];
		void *skel;

		if (!(mask & (1u << fam->id)))
			continue;
		skel = open_family(p, fam, cfg, NULL, &err);
		if (!skel) {
			add_status(p, fam->id, fam->name, "(open)", err, strerror(-err));
			continue;
		}
		last_error[0] = 0;
		err = bpf_object__load(fam->object(skel));
		if (err) {
			size_t n = program_count(fam, skel);

			fam->destroy(skel);
			pr_warn("%s probes: not every program loads on this kernel; finding which",
				fam->name);
			skel = load_what_loads(p, fam, cfg, n);
			if (!skel)
				continue;
		}
		l->fam = fam;
		l->skel = skel;
		p->n_loaded++;
		attach_family(p, l);
	}
	if (!p->attached) {
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
		l->fam->destroy(l->skel);
	}
	p->n_loaded = 0;
}

int rec_probes__read_drops(struct rec_probes *p, uint64_t *out)
{
	uint32_t n = EBR_DROP_NR * EBR_DROP_TYPE_SLOTS;
	uint32_t count = n, out_batch = 0;
	uint32_t *keys = calloc(n, sizeof(*keys));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int err;

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
	if (p->rb_fd >= 0)
		close(p->rb_fd);
	if (p->drops_fd >= 0)
		close(p->drops_fd);
	p->rb_fd = p->drops_fd = -1;
	free(p->drop_vals);
	p->drop_vals = NULL;
	ebr_buf__free(&p->status);
}
