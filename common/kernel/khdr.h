/* The minimal BPF dependency header tree, written at start-up from the
 * binary into a private directory for libbcc (BCC_KERNEL_SOURCE), and
 * removed as soon as the program is compiled. */
#ifndef SOCKLENS_KHDR_H
#define SOCKLENS_KHDR_H

/* Returns the directory (mkdtemp, mode 0700) or exits with a runtime error. */
const char *khdr_write(void);
void khdr_remove(void);

#endif
