// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The program the workload's forks exec: static, no libc, no loader, so its
 * whole life is exactly one system call (exit_group). That keeps the
 * workload's event counts exact.
 */
void _start(void);

void _start(void)
{
#if defined(__x86_64__)
	__asm__ volatile("mov $231, %%eax\n\txor %%edi, %%edi\n\tsyscall" ::: "memory");
#elif defined(__aarch64__)
	__asm__ volatile("mov x8, #94\n\tmov x0, #0\n\tsvc #0" ::: "memory");
#else
#error "bench/exit0.c: add exit_group for this architecture"
#endif
	for (;;)
		;
}
