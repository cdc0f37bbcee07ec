#!/bin/sh
# promtool_check.sh METRICS_SAMPLE: the file the metrics module writes must
# pass Prometheus's own checker (parse and lint) with nothing to report.
# Exit 77 (ctest: skipped) when promtool is missing: Debian's "prometheus"
# package ships it (scripts/install-deps --test installs it).
set -u
sample=$1
if ! command -v promtool >/dev/null 2>&1; then
	echo "SKIP: promtool not found (apt-get install prometheus, or scripts/install-deps --test)"
	exit 77
fi
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
"$sample" "$dir" 12345 || exit 1
out=$(promtool check metrics <"$dir/sample.prom" 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	echo "promtool check metrics: exit $rc"
	echo "$out"
	echo "--- the file:"
	cat "$dir/sample.prom"
	exit 1
fi
echo "promtool check metrics: no problems in $(wc -l <"$dir/sample.prom") lines"
