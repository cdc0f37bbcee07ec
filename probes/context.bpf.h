/* Is the current task the one the work is done for? Not in a hard or soft
 * interrupt, where "current" is whoever happened to be running, and not in
 * a kernel thread (ksoftirqd). The BPF stack cannot tell (programs may run
 * on a private stack), so the irq tracepoints keep per-CPU flags; a tool
 * that includes this attaches raw_tracepoint__softirq_entry/exit and
 * raw_tracepoint__irq_handler_entry/exit. */
/* KFIELD OFF_TASK_FLAGS task_struct flags 4 linux/sched.h */

#define PF_KTHREAD 0x00200000
#define IN_SOFTIRQ 0
#define IN_HARDIRQ 1

BPF_PERCPU_ARRAY(irq_context, u32, 2);

static __always_inline void set_irq_context(int which, u32 on)
{
	u32 *flag = irq_context.lookup(&which);
	if (flag)
		*flag = on;
}

/* Softirqs never nest on one CPU, hard interrupts neither: a flag each,
 * set on entry and cleared on exit. */
#define IRQ_CONTEXT_PROBE(tracepoint, which, on) \
	RAW_TRACEPOINT_PROBE(tracepoint)         \
	{                                        \
		set_irq_context(which, on);      \
		return 0;                        \
	}
IRQ_CONTEXT_PROBE(softirq_entry, IN_SOFTIRQ, 1)
IRQ_CONTEXT_PROBE(softirq_exit, IN_SOFTIRQ, 0)
IRQ_CONTEXT_PROBE(irq_handler_entry, IN_HARDIRQ, 1)
IRQ_CONTEXT_PROBE(irq_handler_exit, IN_HARDIRQ, 0)

static __always_inline bool in_task_context(void)
{
	int soft = IN_SOFTIRQ, hard = IN_HARDIRQ;
	u32 *s = irq_context.lookup(&soft), *h = irq_context.lookup(&hard);
	if (!s || !h || *s || *h)
		return false;
	u32 flags = 0;
	bpf_probe_read_kernel(&flags, sizeof(flags),
			      (const char *)bpf_get_current_task() + OFF_TASK_FLAGS);
	return !(flags & PF_KTHREAD);
}
