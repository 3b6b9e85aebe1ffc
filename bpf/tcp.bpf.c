// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network family, TCP side: every state change, the close of a connection
 * with its byte and retransmit counts, and retransmissions. These run in
 * whatever context the stack is in (often softirq), so events are
 * attributed to the socket's owner, remembered at connect/accept.
 */
#include "common.bpf.h"
#include "sock.bpf.h"

#define TCP_CLOSE 7

/* The kernel filter, applied to the socket's owner when there is one. */
static __always_inline bool tcp_wanted(struct sock *sk, __u16 type)
{
	__u64 key = (__u64)sk, id = bpf_get_current_pid_tgid();
	struct ebr_sk_owner *o = bpf_map_lookup_elem(&sk_owner, &key);

	if (!type_wanted(type))
		return false;
	if (!o)
		return !is_self(id) && who_wanted(id >> 32, type);
	if (cfg.self_pid && o->pid == cfg.self_pid)
		return false;
	if (who_ok(o->pid, o->uid, o->cgroup_id, o->comm))
		return true;
	count_drop(EBR_DROP_FILTERED_KERNEL, type);
	return false;
}

static __always_inline struct ebr_net_event *tcp_event(struct sock *sk, __u16 type)
{
	struct ebr_net_event *e;

	if (!tcp_wanted(sk, type) || !rate_ok(EBR_FAM_NETWORK, type))
		return NULL;
	e = reserve_event(sizeof(*e), type);
	if (!e)
		return NULL;
	__builtin_memset((char *)e + sizeof(e->hdr), 0, sizeof(*e) - sizeof(e->hdr));
	fill_header(&e->hdr, type, sizeof(*e));
	sock_addrs(sk, e);
	e->fd = -1;
	e->sock = (__u64)sk;
	return e;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, struct sock *sk, int oldstate, int newstate)
{
	struct ebr_sk_owner *owner;
	struct ebr_net_event *e;
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u64 key = (__u64)sk;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	e = tcp_event(sk, EBR_T_TCP_STATE);
	if (e) {
		e->old_state = oldstate;
		e->new_state = newstate;
		owner = apply_owner(sk, &e->hdr);
		if (owner)
			e->direction = owner->direction;
		submit_event(e);
	}
	if (newstate != TCP_CLOSE)
		return 0;
	e = tcp_event(sk, EBR_T_TCP_CLOSE);
	if (e) {
		e->old_state = oldstate;
		e->new_state = newstate;
		/*
		 * Payload bytes. bytes_acked and bytes_received count sequence
		 * space, where SYN and FIN take one each; bytes_sent counts
		 * payload (retransmissions included, so they are taken out),
		 * and a received FIN shows as SOCK_DONE.
		 */
		e->bytes_sent = BPF_CORE_READ(tp, bytes_sent) - BPF_CORE_READ(tp, bytes_retrans);
		e->bytes_received = BPF_CORE_READ(tp, bytes_received);
		if (e->bytes_received &&
		    (BPF_CORE_READ(sk, __sk_common.skc_flags) & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE))))
			e->bytes_received -= 1;
		e->retransmits = BPF_CORE_READ(tp, total_retrans);
		owner = apply_owner(sk, &e->hdr);
		if (owner) {
			e->direction = owner->direction;
			e->duration_ns = e->hdr.ts - owner->start_ns;
		}
		submit_event(e);
	}
	bpf_map_delete_elem(&sk_owner, &key);
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb, struct sock *sk)
{
	struct ebr_sk_owner *owner;
	struct ebr_net_event *e = tcp_event(sk, EBR_T_TCP_RETRANSMIT);

	if (!e)
		return 0;
	e->new_state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->retransmits = BPF_CORE_READ((struct tcp_sock *)sk, total_retrans);
	owner = apply_owner(sk, &e->hdr);
	if (owner)
		e->direction = owner->direction;
	submit_event(e);
	return 0;
}
