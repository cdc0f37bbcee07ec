/* Each tool's Prometheus families (--metrics-dir), in tools/metrics/<tool>.c,
 * and what they share with the tool's own file. */
#ifndef SOCKLENS_TOOLS_METRICS_H
#define SOCKLENS_TOOLS_METRICS_H

#include "toolmetrics.h"

#include <stdbool.h>
#include <stdint.h>

extern const struct tool_metrics tcpconnect_metrics;
extern const struct tool_metrics tcpaccept_metrics;
extern const struct tool_metrics tcpclose_metrics;
extern const struct tool_metrics podnet_metrics;

/* tcpconnect's result names: "established", "refused", "timeout", "reset",
 * "aborted", else the errno's name (ENETUNREACH...). */
const char *tcpconnect_result_name(uint32_t result, int32_t error);

/* tcpclose's closed_by names: "unknown", "local", "remote", "reset". */
const char *tcpclose_closed_by_name(unsigned closed_by);

/* podnet's drop reason names (skb_drop_reason from BTF; "" before 5.17),
 * and the packet events its filters and sampling passed over since start
 * (totals[0] filters, totals[1] sampling; false in a replay). */
struct tool_env;
const char *podnet_reason_name(const struct tool_env *env, unsigned reason, char *buf, size_t size);
bool podnet_skipped(struct tool_run *run, uint64_t totals[2]);
/* podnet's event names: "rx", "deliver", "tx", "xmit", "forward", "drop", "reset", "retransmit". */
const char *podnet_event_name(unsigned event);

#endif
