/* Parsing podnet's packet filters (interface, address, protocol) into the
 * filter spec: validated, and turned into integers, never kept as text. */
#ifndef SOCKLENS_PACKETOPTS_H
#define SOCKLENS_PACKETOPTS_H

#include "filter.h"

void filter_set_ifname(struct filter_spec *f, const char *opt, const char *name);
void filter_set_ip(struct filter_spec *f, const char *opt, const char *addr);
void filter_set_proto(struct filter_spec *f, const char *opt, const char *name);

#endif
