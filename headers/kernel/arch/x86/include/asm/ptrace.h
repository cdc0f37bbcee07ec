/* x86-64 struct pt_regs: the context of kprobe programs (PT_REGS_RC, PT_REGS_PARM1). */
#ifndef _ASM_X86_PTRACE_H
#define _ASM_X86_PTRACE_H
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
#endif
