// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Container, pod and unit derivation on the cgroup path shapes each runtime makes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ebpfrec/container.h"

#define ID "3f4e1b2c5d6a7980aabbccddeeff00112233445566778899aabbccddeeff0011"
#define UID "1234abcd-5678-90ab-cdef-1234567890ab"
#define UID_ "1234abcd_5678_90ab_cdef_1234567890ab"

struct shape {
	const char *path;
	int found;
	const char *id, *runtime, *pod, *unit;
};

static const struct shape shapes[] = {
	{ "/system.slice/docker-" ID ".scope", 1, ID, "docker", "", "" },
	{ "/docker/" ID, 1, ID, "docker", "", "" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" ID ".scope",
	  1, ID, "containerd", UID, "" },
	{ "/kubepods/besteffort/pod" UID "/" ID, 1, ID, "kubernetes", UID, "" },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID ".scope", 1, ID, "cri-o", UID, "" },
	/* conmon monitors a cri-o container; it is not the container */
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID ".scope", 1, "", "", UID,
	  "crio-conmon-" ID ".scope" },
	/* the pod's own cgroup, above its containers */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice", 1, "", "",
	  UID, "" },
	/* rootless podman: the unit is the user manager the container runs under */
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope", 1, ID,
	  "podman", "", "user@1000.service" },
	{ "/machine.slice/libpod-" ID ".scope", 1, ID, "podman", "", "" },
	{ "/machine.slice/machine-debian.scope", 1, "", "systemd-nspawn", "", "machine-debian.scope" },
	{ "/system.slice/nginx.service", 0, "", "", "", "nginx.service" },
	{ "/user.slice/user-0.slice/session-3.scope", 0, "", "", "", "session-3.scope" },
	{ "/", 0, "", "", "", "" },
	{ "", 0, "", "", "", "" },
	/* near misses: one hex digit short, uppercase, a pod uid of the wrong length */
	{ "/system.slice/docker-" "3f4e1b2c5d6a7980aabbccddeeff00112233445566778899aabbccddeeff001" ".scope", 0, "",
	  "", "", "docker-3f4e1b2c5d6a7980aabbccddeeff00112233445566778899aabbccddeeff001.scope" },
	{ "/docker/3F4E1B2C5D6A7980AABBCCDDEEFF00112233445566778899AABBCCDDEEFF0011", 0, "", "", "", "" },
	{ "/kubepods/burstable/pod1234", 0, "", "", "", "" },
};

static void test_shapes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct ebr_container_info ci;
		int found = ebr_container__parse(shapes[i].path, &ci);

		print_message("%s\n", shapes[i].path);
		assert_int_equal(found, shapes[i].found);
		assert_string_equal(ci.container_id, shapes[i].id);
		assert_string_equal(ci.runtime, shapes[i].runtime);
		assert_string_equal(ci.pod_uid, shapes[i].pod);
		assert_string_equal(ci.unit, shapes[i].unit);
	}
}

static void test_pod_log_dir(void **state)
{
	char ns[64], name[128];

	(void)state;
	assert_int_equal(ebr_container__pod_from_log_dir("kube-system_coredns-5d78c9869d-abcde_" UID, UID,
							 ns, sizeof(ns), name, sizeof(name)),
			 0);
	assert_string_equal(ns, "kube-system");
	assert_string_equal(name, "coredns-5d78c9869d-abcde");
	/* another pod's directory, and names without the shape */
	assert_int_equal(ebr_container__pod_from_log_dir("default_web_00000000-0000-0000-0000-000000000000",
							 UID, ns, sizeof(ns), name, sizeof(name)),
			 -1);
	assert_int_equal(ebr_container__pod_from_log_dir("noseparators", UID, ns, sizeof(ns), name,
							 sizeof(name)),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_pod_log_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
