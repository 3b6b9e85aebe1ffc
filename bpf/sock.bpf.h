/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Socket addresses and owners, for the network family. */
#ifndef EBPFREC_SOCK_BPF_H
#define EBPFREC_SOCK_BPF_H

#include "common.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EBR_SK_OWNER_ENTRIES);
	__type(key, __u64); /* struct sock * */
	__type(value, struct ebr_sk_owner);
} sk_owner SEC(".maps");

static __always_inline void v4_mapped(__u8 out[16], __u32 addr_be)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &addr_be, 4);
}

/* Local and remote address of a socket, as the kernel holds them. */
static __always_inline void sock_addrs(struct sock *sk, struct ebr_net_event *e)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	e->family = family;
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	/* not skc_num: the kernel releases the local port before the final state change */
	e->sport = __builtin_bswap16(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	e->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		v4_mapped(e->saddr, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
		v4_mapped(e->daddr, BPF_CORE_READ(sk, __sk_common.skc_daddr));
	} else if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/*
 * A struct sockaddr_in/_in6 copied from user memory into the remote side.
 * Returns 0 when it held an IP address.
 */
static __always_inline int sockaddr_remote(const __u8 *sa, struct ebr_net_event *e)
{
	__u16 family, port;

	__builtin_memcpy(&family, sa, 2);
	__builtin_memcpy(&port, sa + 2, 2);
	if (family == AF_INET) {
		__u32 a;

		__builtin_memcpy(&a, sa + 4, 4);
		v4_mapped(e->daddr, a);
	} else if (family == AF_INET6) {
		__builtin_memcpy(e->daddr, sa + 8, 16);
	} else {
		return -1;
	}
	e->dport = __builtin_bswap16(port);
	if (!e->family)
		e->family = family;
	return 0;
}

/* The socket behind a file, or NULL when the file is not a socket. */
static __always_inline struct sock *file_sock(struct file *file)
{
	struct socket *sock;
	__u16 mode;

	if (!file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & 00170000) != 0140000) /* S_IFSOCK */
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

static __always_inline void remember_owner(struct sock *sk, const struct ebr_event_header *h,
					   __u32 direction)
{
	struct ebr_sk_owner o = {
		.start_ns = h->ts,
		.cgroup_id = h->cgroup_id,
		.pid = h->pid, .tid = h->tid, .ppid = h->ppid, .uid = h->uid, .gid = h->gid,
		.pidns = h->pidns, .mntns = h->mntns,
		.direction = direction,
	};
	__u64 key = (__u64)sk;

	__builtin_memcpy(o.comm, h->comm, sizeof(o.comm));
	bpf_map_update_elem(&sk_owner, &key, &o, BPF_ANY);
}

/* Attribute an event to the socket's owner (state changes run in softirq). */
static __always_inline struct ebr_sk_owner *apply_owner(struct sock *sk, struct ebr_event_header *h)
{
	__u64 key = (__u64)sk;
	struct ebr_sk_owner *o = bpf_map_lookup_elem(&sk_owner, &key);

	if (!o)
		return NULL;
	h->pid = o->pid;
	h->tid = o->tid;
	h->ppid = o->ppid;
	h->uid = o->uid;
	h->gid = o->gid;
	h->pidns = o->pidns;
	h->mntns = o->mntns;
	h->cgroup_id = o->cgroup_id;
	__builtin_memcpy(h->comm, o->comm, sizeof(h->comm));
	return o;
}

#endif
