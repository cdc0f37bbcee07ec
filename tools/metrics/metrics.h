/* Each tool's Prometheus families (--metrics-dir), in tools/metrics/<tool>.c,
 * and what they share with the tool's own file. */
#ifndef SOCKLENS_TOOLS_METRICS_H
#define SOCKLENS_TOOLS_METRICS_H

#include "toolmetrics.h"

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

#endif
