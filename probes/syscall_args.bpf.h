/* The current task's syscall arguments, from the user registers saved at
 * kernel entry: they are there for the whole syscall, so an exit probe can
 * read what a call that began before tracing was given. x86-64 only.
 * Uses read_ptr() from common.bpf.h. */
/* KFIELD OFF_TASK_STACK task_struct stack 8 linux/sched.h */

/* The task's saved user registers, or NULL where they cannot be found. */
static __always_inline struct pt_regs *syscall_regs(void)
{
#ifdef HAVE_TASK_PT_REGS
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
#else
	/* Before 5.15 (no bpf_task_pt_regs): task_pt_regs() by hand, the top of
	 * the 16 KiB kernel stack. Trusted only if they hold 64-bit user code
	 * and stack selectors (__USER_CS, __USER_DS): a kernel built with a
	 * bigger stack (KASAN) gives NULL, not garbage. */
	void *stack = read_ptr((void *)bpf_get_current_task(), OFF_TASK_STACK);
	if (!stack)
		return NULL;
	struct pt_regs *regs = (struct pt_regs *)((char *)stack + 16384) - 1;
	unsigned long cs = 0, ss = 0;
	bpf_probe_read_kernel(&cs, sizeof(cs), &regs->cs);
	bpf_probe_read_kernel(&ss, sizeof(ss), &regs->ss);
	return cs == 0x33 && ss == 0x2b ? regs : NULL;
#endif
}

/* The first argument of the current syscall (x86-64: rdi), or -1. */
static __always_inline long syscall_arg1(void)
{
	struct pt_regs *regs = syscall_regs();
	unsigned long arg = -1;
	if (regs)
		bpf_probe_read_kernel(&arg, sizeof(arg), &regs->di);
	return (long)arg;
}
