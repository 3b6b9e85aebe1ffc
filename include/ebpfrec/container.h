/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which container, pod and systemd unit a cgroup belongs to, derived from
 * its cgroup v2 path. Pure string work: it runs anywhere, on paths taken
 * from a capture.
 */
#ifndef EBPFREC_CONTAINER_H
#define EBPFREC_CONTAINER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EBR_CONTAINER_ID_MAX 65
#define EBR_POD_UID_MAX 37

struct ebr_container_info {
	char container_id[EBR_CONTAINER_ID_MAX]; /* "" when the cgroup is not a container */
	char runtime[16]; /* docker, containerd, cri-o, podman, kubernetes, systemd-nspawn */
	char pod_uid[EBR_POD_UID_MAX]; /* Kubernetes pod UID, with dashes */
	char unit[128]; /* innermost systemd unit: nginx.service, session-3.scope */
};

/*
 * Parse a cgroup path such as
 *   /system.slice/docker-<64 hex>.scope
 *   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope
 *   /kubepods/besteffort/pod<uid>/<64 hex>
 * Returns 1 when a container or pod was found, 0 otherwise (unit may still be set).
 */
int ebr_container__parse(const char *cgroup_path, struct ebr_container_info *out);

/*
 * Pod namespace and name from a kubelet log directory name
 * "<namespace>_<name>_<uid>" (as under /var/log/pods). Returns 0 when the
 * name has that shape and its uid equals pod_uid.
 */
int ebr_container__pod_from_log_dir(const char *dir_name, const char *pod_uid, char *ns,
				    size_t ns_len, char *name, size_t name_len);

#ifdef __cplusplus
}
#endif

#endif
