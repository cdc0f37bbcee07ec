#!/usr/bin/env bash
# Builds the option-parser fuzzer with clang's libFuzzer and runs it for a
# bounded time (default 30 s). A finding (abort, sanitizer report) fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build/fuzz}
seconds=${2:-30}
mkdir -p "$out/corpus"
clang=$(command -v clang || command -v clang-14)
src=(cli/opts cli/parse bpftext/filter base/errors cli/packetopts)
# --container/--pod parse through the identity module (which reads state files with json-c)
identity=("$top"/common/identity/*.c)
"$clang" -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -DSOCKLENS_VERSION='"fuzz"' \
	-I"$top/common/base" -I"$top/common/cli" -I"$top/common/bpftext" -I"$top/common/output" \
	-I"$top/common/identity" -I"$top/headers/records" "$here/fuzz_options.c" \
	$(for s in "${src[@]}"; do echo "$top/common/$s.c"; done) "${identity[@]}" \
	$(pkg-config --cflags --libs json-c) -o "$out/fuzz_options"
# seeds: real command lines, NUL-separated
printf -- '-p\0001,2\000-P\00080,443\000-4' > "$out/corpus/seed1"
printf -- '--ip\000fd00::1\000--ifname\000eth0\000--proto\000icmp\000--port\00053\000--drops' > "$out/corpus/seed2"
printf -- '-u\0001000\000--netns\000/proc/self/ns/net\000-L\00022\000-o\000json' > "$out/corpus/seed3"
"$out/fuzz_options" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "$out/corpus" 2>&1 | tail -5
