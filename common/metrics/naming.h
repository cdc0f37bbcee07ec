/* Metric and label names, checked against Prometheus's naming conventions
 * when a family is registered: a misnamed family then fails in the unit
 * tests and at start-up, never in a user's dashboards.
 *
 * The rules (https://prometheus.io/docs/practices/naming/):
 *   - metric names: "socklens_" prefix, snake_case ([a-z0-9_], no "__", no
 *     trailing "_"), base units spelled out (_seconds, _bytes: "_ms",
 *     "_microseconds", "_kb"... are refused);
 *   - counters end in "_total"; gauges and histograms do not;
 *     a histogram's name does not end in "_bucket", "_sum" or "_count"
 *     (the exposition adds those);
 *   - label names: [a-z_][a-z0-9_]*, not starting with "__" (reserved for
 *     Prometheus), and "le" is never a histogram's own label.
 *
 * Families proposed for the tools (decided when metrics are wired into each
 * tool; labels in braces are bounded sets, "pod, namespace, container" come
 * from the container-names work, remote addresses only on request and capped):
 *
 *   tool        family                                         type       labels
 *   tcpconnect  socklens_tcp_connects_total                    counter    {result, pod, namespace, container}
 *               socklens_tcp_connect_latency_seconds           histogram  {result, pod, namespace, container}
 *   tcpaccept   socklens_tcp_accepts_total                     counter    {lport, pod, namespace, container}
 *               socklens_tcp_accept_queue_overflows_total      counter    {lport} accepts that found the backlog full
 *               socklens_tcp_accept_queue_fill_ratio           histogram  {lport} queue length / backlog at accept
 *   tcpclose    socklens_tcp_closes_total                      counter    {closed_by, pod, namespace, container}
 *               socklens_tcp_sent_bytes_total                  counter    {pod, namespace, container}
 *               socklens_tcp_received_bytes_total              counter    {pod, namespace, container}
 *               socklens_tcp_retransmits_total                 counter    {pod, namespace, container}
 *               socklens_tcp_rtt_seconds                       histogram  {pod, namespace, container}
 *               socklens_tcp_connection_duration_seconds       histogram  {pod, namespace, container}
 *   podnet      socklens_pod_packet_drops_total                counter    {reason, pod, namespace}
 *               socklens_pod_tcp_resets_total                  counter    {pod, namespace}
 *               socklens_pod_tcp_retransmits_total             counter    {pod, namespace}
 *               socklens_pod_packets_total                     counter    {event, pod, namespace}
 *   every tool  socklens_events_lost_total                     counter    {tool}
 *               socklens_events_rate_limited_total             counter    {tool}
 *               socklens_events_sampled_out_total              counter    {tool}
 *   registry    socklens_series_overflow_total                 counter    {family} (registry.h)
 */
#ifndef SOCKLENS_METRICS_NAMING_H
#define SOCKLENS_METRICS_NAMING_H

#include <stdbool.h>

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

/* Whether name is a valid family name for a metric of this type. */
bool metric_name_valid(const char *name, enum metric_type type);
/* Whether name may be one of a family's label names. */
bool metric_label_name_valid(const char *name, enum metric_type type);

#endif
