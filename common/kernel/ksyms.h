/* Kernel code addresses to function names, from /proc/kallsyms. Only the
 * addresses asked about are kept: drops come from a few hundred places at
 * most, while libbcc's symbol cache holds all 120,000+ symbols (about 20 MB). */
#ifndef SOCKLENS_KSYMS_H
#define SOCKLENS_KSYMS_H

#include <stdint.h>

/* The function containing addr ("" when unknown or not readable, e.g. with
 * kptr_restrict). Each new address costs one pass over /proc/kallsyms;
 * the answer is kept, up to a fixed number of addresses. */
const char *ksym_name(uint64_t addr);

#endif
