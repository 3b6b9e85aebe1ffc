// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writing the kernel-side filter into its maps. The sets are replaced
 * first and the flags last, so programs never see flags that promise a set
 * that is not there yet.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "internal.h"
#include "kfilter.h"
#include "maps.h"

static int clear_map(int fd)
{
	char next[8];

	/* always take the first key: deleting while walking would skip entries */
	while (bpf_map_get_next_key(fd, NULL, next) == 0)
		if (bpf_map_delete_elem(fd, next) && errno != ENOENT)
			return -errno;
	return errno == ENOENT ? 0 : -errno;
}

int rec_kfilter__apply(const struct rec_probes *p, const struct ebr_kfilter_spec *spec)
{
	int kf = rec_probes__map_fd(p, "kfilter"), pids = rec_probes__map_fd(p, "kf_pids");
	int cgroups = rec_probes__map_fd(p, "kf_cgroups");
	struct ebr_kfilter f = {0};
	uint32_t zero = 0;
	uint8_t one = 1;
	int err;

	if (kf < 0 || pids < 0 || cgroups < 0)
		return -ENOENT;
	if (spec && spec->types) {
		f.flags |= EBR_KF_TYPES;
		memcpy(f.types, spec->types, sizeof(f.types));
	}
	err = clear_map(pids);
	if (!err)
		err = clear_map(cgroups);
	if (err)
		return err;
	if (spec && spec->pids) {
		f.flags |= EBR_KF_PIDS | (spec->follow ? EBR_KF_FOLLOW : 0);
		for (size_t i = 0; i < spec->n_pids; i++)
			if (bpf_map_update_elem(pids, &spec->pids[i], &one, BPF_ANY))
				return -errno;
	}
	if (spec && spec->cgroups) {
		f.flags |= EBR_KF_CGROUPS;
		for (size_t i = 0; i < spec->n_cgroups; i++)
			if (bpf_map_update_elem(cgroups, &spec->cgroups[i], &one, BPF_ANY))
				return -errno;
	}
	if (spec && spec->uid >= 0) {
		f.flags |= EBR_KF_UID;
		f.uid = (uint32_t)spec->uid;
	}
	if (spec && spec->comm) {
		f.flags |= EBR_KF_COMM;
		strncpy(f.comm, spec->comm, sizeof(f.comm) - 1);
	}
	return bpf_map_update_elem(kf, &zero, &f, BPF_ANY) ? -errno : 0;
}

int rec_kfilter__add_pids(const struct rec_probes *p, const uint32_t *pids, size_t n)
{
	int kf = rec_probes__map_fd(p, "kfilter"), set = rec_probes__map_fd(p, "kf_pids");
	struct ebr_kfilter f;
	uint32_t zero = 0;
	uint8_t one = 1;

	if (kf < 0 || set < 0 || bpf_map_lookup_elem(kf, &zero, &f))
		return -ENOENT;
	if ((f.flags & EBR_KF_PIDS) && !(f.flags & EBR_KF_FOLLOW)) {
		pr_err("the recorder already filters on a fixed pid set; cannot also follow a process");
		return -EBUSY;
	}
	if (!(f.flags & EBR_KF_PIDS) && clear_map(set))
		return -errno;
	for (size_t i = 0; i < n; i++)
		if (bpf_map_update_elem(set, &pids[i], &one, BPF_ANY))
			return -errno;
	f.flags |= EBR_KF_PIDS | EBR_KF_FOLLOW;
	return bpf_map_update_elem(kf, &zero, &f, BPF_ANY) ? -errno : 0;
}

int rec_kfilter__add_cgroups(const struct rec_probes *p, const uint64_t *ids, size_t n)
{
	int kf = rec_probes__map_fd(p, "kfilter"), set = rec_probes__map_fd(p, "kf_cgroups");
	struct ebr_kfilter f;
	uint32_t zero = 0;
	uint8_t one = 1;

	if (kf < 0 || set < 0 || bpf_map_lookup_elem(kf, &zero, &f))
		return -ENOENT;
	if (!(f.flags & EBR_KF_CGROUPS))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (bpf_map_update_elem(set, &ids[i], &one, BPF_ANY))
			return -errno;
	return 0;
}
