// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ebpfrec/container.h"

#define ID_LEN 64

static int is_hex_id(const char *s, size_t len)
{
	if (len != ID_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

struct prefix_rule {
	const char *prefix;
	const char *runtime;
};

/* Container scopes as systemd-managed runtimes name them. */
static const struct prefix_rule scope_rules[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
};

/* "<prefix><64 hex>.scope" → the id; conmon scopes are the monitor, not the container. */
static int match_scope(const char *c, size_t len, struct ebr_container_info *out)
{
	if (!ends_with(c, len, ".scope"))
		return 0;
	len -= strlen(".scope");
	for (size_t i = 0; i < sizeof(scope_rules) / sizeof(scope_rules[0]); i++) {
		size_t n = strlen(scope_rules[i].prefix);

		if (len > n && !memcmp(c, scope_rules[i].prefix, n) && is_hex_id(c + n, len - n)) {
			memcpy(out->container_id, c + n, ID_LEN);
			out->container_id[ID_LEN] = 0;
			snprintf(out->runtime, sizeof(out->runtime), "%s", scope_rules[i].runtime);
			return 1;
		}
	}
	return 0;
}

/* "pod<uid>" or "kubepods-<qos>-pod<uid_with_underscores>.slice" */
static int match_pod(const char *c, size_t len, struct ebr_container_info *out)
{
	const char *p = NULL;
	size_t n;

	for (size_t i = 0; i + 3 <= len; i++)
		if (!memcmp(c + i, "pod", 3) && (i == 0 || c[i - 1] == '-')) {
			p = c + i + 3;
			break;
		}
	if (!p)
		return 0;
	n = len - (size_t)(p - c);
	if (ends_with(p, n, ".slice"))
		n -= strlen(".slice");
	if (n != 36)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i] == '_' ? '-' : p[i];

		if (!(isxdigit((unsigned char)ch) || ch == '-'))
			return 0;
		out->pod_uid[i] = ch;
	}
	out->pod_uid[n] = 0;
	return 1;
}

int ebr_container__parse(const char *path, struct ebr_container_info *out)
{
	const char *c = path;
	int in_docker = 0, in_kubepods = 0, in_machine = 0;

	memset(out, 0, sizeof(*out));
	while (c && *c) {
		const char *end;
		size_t len;

		while (*c == '/')
			c++;
		end = strchr(c, '/');
		len = end ? (size_t)(end - c) : strlen(c);
		if (!len)
			break;
		if (len == 6 && !memcmp(c, "docker", 6))
			in_docker = 1;
		if (len >= 8 && !memcmp(c, "kubepods", 8))
			in_kubepods = 1;
		if (len == 13 && !memcmp(c, "machine.slice", 13))
			in_machine = 1;
		if (match_scope(c, len, out)) {
			/* an inner scope wins: keep going for a more specific one */
		} else if (is_hex_id(c, len)) {
			/* cgroupfs driver: the container is a bare id under its runtime's tree */
			memcpy(out->container_id, c, ID_LEN);
			out->container_id[ID_LEN] = 0;
			snprintf(out->runtime, sizeof(out->runtime), "%s",
				 in_docker ? "docker" : in_kubepods ? "kubernetes" : "unknown");
		} else if (in_kubepods) {
			match_pod(c, len, out);
		}
		if ((ends_with(c, len, ".service") || ends_with(c, len, ".scope")) && len < sizeof(out->unit) &&
		    !out->container_id[0]) {
			memcpy(out->unit, c, len);
			out->unit[len] = 0;
			if (in_machine && ends_with(c, len, ".scope") && !memcmp(c, "machine-", 8))
				snprintf(out->runtime, sizeof(out->runtime), "systemd-nspawn");
		}
		c = end;
	}
	return out->container_id[0] || out->pod_uid[0] || out->runtime[0];
}

int ebr_container__pod_from_log_dir(const char *dir, const char *pod_uid, char *ns, size_t ns_len,
				    char *name, size_t name_len)
{
	const char *u1 = strchr(dir, '_'), *u2 = u1 ? strchr(u1 + 1, '_') : NULL;

	/* namespaces and pod names cannot contain '_', so the first two split it */
	if (!u1 || !u2 || strcmp(u2 + 1, pod_uid))
		return -1;
	snprintf(ns, ns_len, "%.*s", (int)(u1 - dir), dir);
	snprintf(name, name_len, "%.*s", (int)(u2 - u1 - 1), u1 + 1);
	return 0;
}
