#!/usr/bin/env bash
# tests/vm/run.sh KERNEL [CTEST-ARGS...]
#
# Runs the project's unit and integration tests (what depends on the kernel;
# other ctest arguments choose other tests) inside a qemu VM booted with Debian's KERNEL series (5.10, 6.1 or 6.12).
# The guest sees this machine's root filesystem read-only over virtio-9p,
# with a tmpfs overlay on top, and has no network but its own loopback and
# the namespaces the tests make. Exits 0 only if every test passed.
#
# Nothing is installed into this machine's /boot, /lib/modules or /usr/src:
# the kernel package is unpacked with dpkg-deb under tests/vm/.cache/.
# Run as root. Extra arguments go to ctest (e.g. -R integration_tcpaccept).
set -euo pipefail

VM_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$VM_DIR/../.." && pwd)
BUILD=$REPO/build
CACHE=$VM_DIR/.cache
# Per boot. Software emulation runs the suite about ten times slower.
KVM_TIMEOUT=${SOCKLENS_VM_TIMEOUT:-15m}
TCG_TIMEOUT=${SOCKLENS_VM_TIMEOUT:-45m}
INIT_DEADLINE=60
HOST_SOURCES=/etc/apt/sources.list.d/debian.sources
HOST_CODENAME=$(. /etc/os-release && echo "$VERSION_CODENAME")
# Modules the guest needs that Debian builds as modules: virtio transport
# and entropy, the 9p root, the overlay on it, and what the tests create.
GUEST_MODULES=(virtio_pci virtio_rng 9pnet_virtio 9p overlay veth bridge)

say() { echo "vm: $*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
	echo "usage: tests/vm/run.sh 5.10|6.1|6.12 [ctest arguments...]" >&2
	exit 2
}

# --- host packages and build -------------------------------------------------

install_host_packages() {
	local want=(qemu-system-x86 busybox-static cpio kmod xz-utils zstd gzip) missing=() p
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return
	say "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; }
}

# The guest runs the binaries built here (the root is shared), so build
# them, and install what the tests use (python3, iproute2, bpftool...).
ensure_build() {
	"$REPO/scripts/install-deps" --test
	if [ ! -f "$BUILD/CTestTestfile.cmake" ]; then
		say "configuring $BUILD"
		cmake -S "$REPO" -B "$BUILD"
	fi
	# Every time, not only when there is no build: binaries older than the
	# checkout would be tested against newer tests. Nothing to do costs ~1 s.
	cmake --build "$BUILD" -j"$(nproc)"
}

# --- fetching the kernel -----------------------------------------------------

# The package-name pattern of each series' image (newest ABI wins).
image_pattern() {
	case "$1" in
	5.10) echo '^linux-image-5\.10\.0-[0-9]+-amd64$' ;;
	6.1) echo '^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64$' ;;
	esac
}

# apt-get/apt-cache options that point at a private apt state in $1 whose
# sources are the machine's own, rewritten by the filter command in $2...:
# the mirror comes from this machine's configuration, never from this file.
APT_OPTS=()
IMAGE=
WORK=
private_apt() {
	local dir=$1
	shift
	mkdir -p "$dir/sources.list.d" "$dir/state/lists/partial" "$dir/cache/archives/partial"
	"$@" <"$HOST_SOURCES" >"$dir/sources.list.d/derived.sources"
	# Sandbox user root: _apt may not write into a private directory.
	APT_OPTS=(-o "Dir::Etc::SourceList=$dir/none.list" -o "Dir::Etc::SourceParts=$dir/sources.list.d"
		-o "Dir::State=$dir/state" -o "Dir::Cache=$dir/cache" -o APT::Sandbox::User=root)
	apt-get "${APT_OPTS[@]}" update -q >&2
}

# Filters for private_apt: every suite renamed (bookworm-security →
# bullseye-security...), or only the main archive, renamed to one suite.
rename_suites() { sed -E "/^Suites:/ s/\\b$HOST_CODENAME\\b/$1/g"; }
main_archive_as() {
	awk -v RS= -v ORS='\n\n' -v main="$HOST_CODENAME" -v to="$1" '
		match($0, /(^|\n)Suites:[^\n]*/) {
			line = substr($0, RSTART, RLENGTH)
			if (line ~ ("[: ]" main "( |$)")) { sub(/(^|\n)Suites:[^\n]*/, "\nSuites: " to); print }
		}'
}

newest_image() {
	apt-cache "${APT_OPTS[@]}" pkgnames linux-image- | grep -E "$(image_pattern "$1")" | sort -V | tail -n 1
}

# Sets APT_OPTS so that apt can see an image of series $1, and IMAGE to
# the newest image's package name.
find_image() {
	local series=$1
	APT_OPTS=()
	if [ "$series" = 5.10 ]; then
		private_apt "$WORK/bullseye" rename_suites bullseye
	fi
	IMAGE=$(newest_image "$series")
	if [ -z "$IMAGE" ] && [ "$series" != 5.10 ]; then
		apt-get update -q >&2 # the machine's lists may be missing or old
		IMAGE=$(newest_image "$series")
	fi
	if [ -z "$IMAGE" ] && [ "$series" = 6.12 ]; then
		private_apt "$WORK/backports" main_archive_as "$HOST_CODENAME-backports"
		IMAGE=$(newest_image "$series")
	fi
	[ -n "$IMAGE" ] || die "no Debian package matches $(image_pattern "$series")"
}

# Unpacks the newest image of series $1 into $CACHE/kernels/$1 (once) and
# writes modules.dep there with depmod -b (the package ships none).
fetch_kernel() {
	local series=$1 dest=$CACHE/kernels/$1 deb kver
	ls "$dest"/boot/vmlinuz-* >/dev/null 2>&1 && return
	find_image "$series"
	say "fetching $IMAGE"
	mkdir -p "$WORK/deb"
	(cd "$WORK/deb" && apt-get "${APT_OPTS[@]}" -o APT::Sandbox::User=root download -q "$IMAGE" >&2)
	deb=$(ls "$WORK"/deb/*.deb)
	rm -rf "$dest.new" && mkdir -p "$dest.new"
	dpkg-deb -x "$deb" "$dest.new"
	basename "$deb" >"$dest.new/PACKAGE"
	kver=$(kernel_version "$dest.new")
	[ -d "$dest.new/lib/modules/$kver" ] || die "$deb has no lib/modules/$kver"
	depmod -b "$dest.new" "$kver"
	rm -rf "$dest" && mv "$dest.new" "$dest"
}

# The release string of the kernel unpacked in $1 (from boot/vmlinuz-*).
kernel_version() {
	local v
	v=$(basename "$(ls "$1"/boot/vmlinuz-*)")
	echo "${v#vmlinuz-}"
}

# --- the initramfs -------------------------------------------------------------

# Prints the module files (relative to the modules dir) needed for the
# modules named in "$@", dependencies first, each once; built-ins skipped.
module_load_order() {
	local mdir=$1
	shift
	declare -A deps=() seen=()
	local line key path m
	while IFS= read -r line; do
		key=${line%%:*}
		deps[$key]=${line#*:}
	done <"$mdir/modules.dep"
	visit() {
		local p=$1 d
		[ -n "${seen[$p]:-}" ] && return
		seen[$p]=1
		for d in ${deps[$p]}; do visit "$d"; done
		echo "$p"
	}
	for m in "$@"; do
		path=$(grep -E "(^|/)${m//[-_]/[-_]}\\.ko(\\.[a-z]+)?:" "$mdir/modules.dep" | cut -d: -f1 || true)
		if [ -z "$path" ]; then
			grep -qE "/${m//[-_]/[-_]}\\.ko\$" "$mdir/modules.builtin" || die "module $m: not in this kernel"
			continue
		fi
		visit "$path"
	done
}

# Copies one module into the initramfs, uncompressed (busybox's insmod
# may not read .xz/.zst).
copy_module() {
	local src=$1 dir=$2 base
	base=$(basename "$src")
	case "$base" in
	*.ko.xz) xz -dc "$src" >"$dir/${base%.xz}" ;;
	*.ko.zst) zstd -qdc "$src" >"$dir/${base%.zst}" ;;
	*.ko.gz) gzip -dc "$src" >"$dir/${base%.gz}" ;;
	*) cp "$src" "$dir/" ;;
	esac
	echo "${base%.ko*}.ko" >>"$dir/order"
}

# The guest's settings, sourced by guest.sh. %q-quoted so any
# ctest argument survives.
write_guest_env() {
	local kver=$1 series=$2
	shift 2
	{
		printf 'REPO=%q\nBUILD=%q\nKVER=%q\nSERIES=%q\n' "$REPO" "$BUILD" "$kver" "$series"
		printf 'MODULES_TREE=%q\nGUEST_PATH=%q\n' "$CACHE/kernels/$series/lib/modules/$kver" "$PATH"
		printf 'COMMAND=%q\n' "${SOCKLENS_VM_COMMAND:-}"
		printf 'CTEST_ARGS=(%s)\n' "$(printf '%q ' "$@")"
	}
}

# Builds $CACHE/initramfs-$series.gz: busybox, /init, the modules, the env.
build_initramfs() {
	local series=$1 kver=$2 out=$3
	shift 3
	local mdir=$CACHE/kernels/$series/lib/modules/$kver root order f
	root=$WORK/initramfs
	mkdir -p "$root"/{bin,dev,proc,sys,etc,modules,mnt/host,mnt/rw,newroot}
	cp "$(command -v busybox)" "$root/bin/busybox"
	cp "$VM_DIR/init" "$root/init"
	chmod 755 "$root/init"
	mknod "$root/dev/console" c 5 1
	: >"$root/modules/order"
	order=$(module_load_order "$mdir" "${GUEST_MODULES[@]}")
	for f in $order; do
		copy_module "$mdir/$f" "$root/modules"
	done
	write_guest_env "$kver" "$series" "$@" >"$root/etc/socklens-vm.env"
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
}

# --- booting -----------------------------------------------------------------

# KVM only where /dev/kvm opens and is not PVM: PVM (module kvm_pvm,
# KVM without hardware virtualisation, as inside some cloud VMs) boots only
# kernels built as PVM guests; Debian's hang before their first message.
kvm_usable() {
	[ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null && [ ! -d /sys/module/kvm_pvm ]
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Echoes the console until qemu closes it; says when the first test starts.
# Skips the ctest log the guest dumps at the end (saved to its own file).
# Kills qemu (pid in file $2) and returns 3 if the guest's init has not
# spoken within INIT_DEADLINE s: a kernel that hangs early would otherwise
# hold the whole boot timeout.
watch_console() {
	local start=$1 pidfile=$2 line quiet=0 init_seen=0 rc
	while :; do
		IFS= read -r -t 5 line || {
			rc=$?
			[ $rc -gt 128 ] || break # end of the console
			[ -z "$line" ] || printf '%s' "$line" # part of a line, before the timeout
			if [ $init_seen -eq 0 ] && [ $(($(now_ms) - start)) -gt $((INIT_DEADLINE * 1000)) ]; then
				say "the guest's init did not start within ${INIT_DEADLINE}s: stopping qemu"
				kill "$(cat "$pidfile")" 2>/dev/null || true
				cat >/dev/null
				return 3
			fi
			continue
		}
		line=${line%$'\r'}
		case "$line" in
		*"socklens-vm: BEGIN LastTest.log"*) quiet=1 ;;
		*"socklens-vm: END LastTest.log"*) quiet=0; continue ;;
		esac
		[ $quiet -eq 1 ] || printf '%s\n' "$line"
		case "$line" in
		*"socklens-vm: init started"*) init_seen=1 ;;
		*"socklens-vm: starting ctest"*)
			say "boot to first test: $(($(now_ms) - start)) ms (wall clock, from qemu's start)" ;;
		esac
	done
}

# One boot, at most $4 long, with the accelerator options in "$5...". No NIC at all: the
# guest has only its loopback and the namespaces the tests make.
run_qemu() {
	local kernel=$1 initrd=$2 log=$3 limit=$4 start
	shift 4
	start=$(now_ms)
	timeout -k 10 "$limit" qemu-system-x86_64 "$@" \
		-nodefaults -nographic -no-reboot -monitor none -nic none \
		-m 2G -smp 2 -pidfile "$WORK/qemu.pid" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet loglevel=3 random.trust_cpu=on" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-device virtio-rng-pci \
		-chardev "stdio,id=console,signal=off,logfile=$log" -serial chardev:console \
		</dev/null | watch_console "$start" "$WORK/qemu.pid"
	local status=("${PIPESTATUS[@]}")
	[ "${status[1]}" -eq 0 ] || return "${status[1]}"
	return "${status[0]}"
}

# KVM if it works here, software emulation (TCG, one thread per vCPU) if
# not, or if the kernel never reached init under KVM.
boot() {
	local rc=0
	if kvm_usable; then
		run_qemu "$@" "$KVM_TIMEOUT" -enable-kvm -cpu host || rc=$?
		[ $rc -eq 3 ] || return $rc
		say "no sign of the guest under KVM: retrying with software emulation"
	else
		say "KVM not usable here: software emulation (slower)"
	fi
	# One host thread for both vCPUs: with a thread each, a vCPU can run
	# stale code while the other patches kernel text (static keys, kprobes),
	# which oopsed 6.12 in an int3 as the tests attached and detached.
	run_qemu "$@" "$TCG_TIMEOUT" -accel tcg,thread=single -cpu max
}

# --- the result --------------------------------------------------------------

# Saves the ctest log the guest dumped; prints the summary and the
# failures; returns 0 only if ctest ran and reported no failure (or, with
# SOCKLENS_VM_COMMAND, if the command exited 0).
report() {
	local log=$1 series=$2 text status summary
	text=$(tr -d '\r' <"$log")
	sed -n '/socklens-vm: BEGIN LastTest.log/,/socklens-vm: END LastTest.log/p' <<<"$text" |
		sed '1d;$d' >"${log%.log}.LastTest.log"
	echo
	if [ -n "${SOCKLENS_VM_COMMAND:-}" ]; then
		status=$(sed -n 's/.*socklens-vm: command exit status \([0-9]*\).*/\1/p' <<<"$text" | tail -n 1)
		echo "== kernel $series: command exit status ${status:-none}; console log: $log"
		[ "${status:-1}" -eq 0 ]
		return
	fi
	status=$(sed -n 's/.*socklens-vm: ctest exit status \([0-9]*\).*/\1/p' <<<"$text" | tail -n 1)
	summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' <<<"$text" | tail -n 1 || true)
	echo "== kernel $series ($(cat "$CACHE/kernels/$series/PACKAGE")): probes attached:"
	sed -n 's/.*socklens-vm: probes: //p' <<<"$text" | grep -E 'attached (kprobe|kretprobe|kfunc|kretfunc)' || echo "   (no kprobe or fentry)"
	echo "== kernel $series: ${summary:-no ctest summary}"
	sed -n '/^The following tests FAILED:/,/^Errors while running CTest/p' <<<"$text" | grep -v '^Errors while' || true
	echo "== console log: $log"
	[ -n "$status" ] || say "the guest never reported a ctest result (boot failure or timeout?)"
	[ "${status:-1}" -eq 0 ] && [[ $summary == *" 0 tests failed"* ]]
}

main() {
	[ $# -ge 1 ] || usage
	local series=$1 kver log initrd stamp
	shift
	[ -n "$(image_pattern "$series")" ] || usage
	# The command-line, docs, packaging and fuzz tests do not depend on the
	# kernel: the host suite runs them.
	[ $# -gt 0 ] || set -- -R '^(unit|integration)_'
	[ "$(id -u)" -eq 0 ] || die "needs root (apt-get, KVM, reading the whole root for the guest)"
	mkdir -p "$CACHE/logs"
	WORK=$(mktemp -d /tmp/socklens-vm.XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
	# Kernels may run side by side (.ci/run): apt, dpkg and the build are
	# one at a time; only the guests run together.
	exec {prep_lock}>"$CACHE/prepare.lock"
	flock "$prep_lock"
	install_host_packages
	ensure_build
	fetch_kernel "$series"
	kver=$(kernel_version "$CACHE/kernels/$series")
	initrd=$CACHE/initramfs-$series.gz
	build_initramfs "$series" "$kver" "$initrd" "$@"
	exec {prep_lock}>&-
	stamp=$(date +%Y%m%d-%H%M%S)
	log=$CACHE/logs/$series-$stamp.log
	say "booting $kver (log: $log)"
	boot "$CACHE/kernels/$series/boot/vmlinuz-$kver" "$initrd" "$log" || say "qemu exited with status $?"
	ln -sfn "$(basename "$log")" "$CACHE/logs/$series-latest.log"
	report "$log" "$series"
}

main "$@"
