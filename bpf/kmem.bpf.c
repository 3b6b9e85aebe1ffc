// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Memory family, kernel allocator side: kmalloc/kfree and page
 * allocation/free. High volume: the family is rate-limited by default.
 */
#include "common.bpf.h"

/* kernels since 6.1 pass the NUMA node to the kmalloc tracepoint; the recorder loads one variant */
SEC("raw_tp/kmalloc")
int BPF_PROG(kmalloc_node, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags, int node)
{
	struct ebr_kmem_event *e;

	if (!wanted(bpf_get_current_pid_tgid(), EBR_T_KMALLOC) || !rate_ok(EBR_FAM_MEMORY, EBR_T_KMALLOC))
		return 0;
	e = reserve_event(sizeof(*e), EBR_T_KMALLOC);
	if (!e)
		return 0;
	fill_header(&e->hdr, EBR_T_KMALLOC, sizeof(*e));
	e->ptr = (__u64)ptr;
	e->call_site = call_site;
	e->bytes_req = bytes_req;
	e->bytes_alloc = bytes_alloc;
	e->gfp_flags = gfp_flags;
	e->node = node;
	submit_event(e);
	return 0;
}

SEC("raw_tp/kmalloc")
int BPF_PROG(kmalloc_nonode, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	struct ebr_kmem_event *e;

	if (!wanted(bpf_get_current_pid_tgid(), EBR_T_KMALLOC) || !rate_ok(EBR_FAM_MEMORY, EBR_T_KMALLOC))
		return 0;
	e = reserve_event(sizeof(*e), EBR_T_KMALLOC);
	if (!e)
		return 0;
	fill_header(&e->hdr, EBR_T_KMALLOC, sizeof(*e));
	e->ptr = (__u64)ptr;
	e->call_site = call_site;
	e->bytes_req = bytes_req;
	e->bytes_alloc = bytes_alloc;
	e->gfp_flags = gfp_flags;
	e->node = -1;
	submit_event(e);
	return 0;
}

SEC("raw_tp/kfree")
int BPF_PROG(kfree, unsigned long call_site, const void *ptr)
{
	struct ebr_kmem_event *e;

	if (!ptr || !wanted(bpf_get_current_pid_tgid(), EBR_T_KFREE) || !rate_ok(EBR_FAM_MEMORY, EBR_T_KFREE))
		return 0;
	e = reserve_event(sizeof(*e), EBR_T_KFREE);
	if (!e)
		return 0;
	fill_header(&e->hdr, EBR_T_KFREE, sizeof(*e));
	e->ptr = (__u64)ptr;
	e->call_site = call_site;
	e->bytes_req = 0;
	e->bytes_alloc = 0;
	e->gfp_flags = 0;
	e->node = -1;
	submit_event(e);
	return 0;
}

SEC("raw_tp/mm_page_alloc")
int BPF_PROG(mm_page_alloc, struct page *page, unsigned int order, gfp_t gfp_flags, int migratetype)
{
	struct ebr_page_event *e;

	if (!wanted(bpf_get_current_pid_tgid(), EBR_T_PAGE_ALLOC) || !rate_ok(EBR_FAM_MEMORY, EBR_T_PAGE_ALLOC))
		return 0;
	e = reserve_event(sizeof(*e), EBR_T_PAGE_ALLOC);
	if (!e)
		return 0;
	fill_header(&e->hdr, EBR_T_PAGE_ALLOC, sizeof(*e));
	e->page = (__u64)page;
	e->order = order;
	e->gfp_flags = gfp_flags;
	e->migratetype = migratetype;
	e->pad = 0;
	submit_event(e);
	return 0;
}

SEC("raw_tp/mm_page_free")
int BPF_PROG(mm_page_free, struct page *page, unsigned int order)
{
	struct ebr_page_event *e;

	if (!wanted(bpf_get_current_pid_tgid(), EBR_T_PAGE_FREE) || !rate_ok(EBR_FAM_MEMORY, EBR_T_PAGE_FREE))
		return 0;
	e = reserve_event(sizeof(*e), EBR_T_PAGE_FREE);
	if (!e)
		return 0;
	fill_header(&e->hdr, EBR_T_PAGE_FREE, sizeof(*e));
	e->page = (__u64)page;
	e->order = order;
	e->gfp_flags = 0;
	e->migratetype = -1;
	e->pad = 0;
	submit_event(e);
	return 0;
}
