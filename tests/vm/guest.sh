#!/bin/bash
# Stage 2, pid 1 of the VM, in the guest's root: this machine's root
# (read-only) under a tmpfs overlay. Mounts what a booted system has,
# runs the ctest suite against the binaries already built in $BUILD,
# prints the result on the serial console and powers off.
. /etc/socklens-vm.env
export PATH=$GUEST_PATH HOME=/root TERM=dumb LANG=C.UTF-8

say() { echo "socklens-vm: $*"; }

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 60
}

# An empty tmpfs on dir, unless the checkout is under it (CI may clone into
# /tmp): then the overlay's dir, writable, with the host's files beneath.
fresh_tmpfs() {
	local mode=$1 dir=$2
	case "$REPO/" in "$dir"/*) return ;; esac
	mount -t tmpfs -o mode="$mode" "${dir#/}" "$dir"
}

mount_system() {
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs -o mode=1777 shm /dev/shm
	fresh_tmpfs 1777 /tmp
	fresh_tmpfs 755 /run
	# A checkout under /tmp keeps the host's /tmp, the overlay over 9p, where
	# the identity unit tests' fake cgroup trees do not resolve: the tests'
	# own temporary files go to a fresh tmpfs instead (TMPDIR).
	case "$REPO/" in
	/tmp/*)
		mkdir -p /run/socklens-tmp
		mount -t tmpfs -o mode=1777 tmp /run/socklens-tmp
		export TMPDIR=/run/socklens-tmp
		;;
	esac
	mount -t tracefs tracefs /sys/kernel/tracing
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
	mount -t bpf bpf /sys/fs/bpf
	# What udev would add: bash's <(...) needs /dev/fd.
	ln -sfn /proc/self/fd /dev/fd
	ln -sfn /proc/self/fd/0 /dev/stdin
	ln -sfn /proc/self/fd/1 /dev/stdout
	ln -sfn /proc/self/fd/2 /dev/stderr
}

# The unpacked package's modules under the usual path (in the overlay,
# not on the host), so the kernel can load further modules on demand.
link_modules() {
	mkdir -p /lib/modules
	ln -sfn "$MODULES_TREE" "/lib/modules/$KVER"
}

describe_kernel() {
	local kprobes=no btf=no
	[ -e /sys/kernel/tracing/kprobe_events ] && kprobes=yes
	[ -e /sys/kernel/btf/vmlinux ] && btf=yes
	say "kernel $(uname -r), kprobes: $kprobes, BTF: $btf, cpus: $(nproc)"
}

# What each tool attaches on this kernel (-v), for the log: the richer
# hooks (kprobes) where the kernel has them.
show_probes() {
	local run
	for run in "tcpconnect -r" tcpaccept tcpclose podnet; do
		# shellcheck disable=SC2086 # the tool and its option
		"$BUILD"/bin/$run -v --duration 1 2>&1 >/dev/null </dev/null |
			grep -E 'attached|unavailable' | sed "s/^/socklens-vm: probes: /"
	done
}

run_ctest() {
	local status
	cd "$BUILD" || { say "no $BUILD"; return 1; }
	say "starting ctest (uptime $(cut -d' ' -f1 /proc/uptime) s)"
	# The soak's memory check is the host suite's: 30 s under emulation is a
	# few ten thousand events, where page-fault noise outweighs any leak.
	SOCKLENS_IN_VM=1 ctest --output-on-failure "${CTEST_ARGS[@]}"
	status=$?
	say "ctest exit status $status"
	# Every test's full output, which the host saves to its own file.
	say "BEGIN LastTest.log"
	cat "$BUILD"/Testing/Temporary/LastTest*.log 2>/dev/null
	say "END LastTest.log"
}

# SOCKLENS_VM_COMMAND (from the host) replaces ctest, for debugging.
run_command() {
	cd "$REPO" || return 1
	say "starting command: $COMMAND"
	bash -c "$COMMAND"
	say "command exit status $?"
}

mount_system
link_modules
hostname socklens-vm
ip link set lo up
describe_kernel
if [ -n "$COMMAND" ]; then run_command; else show_probes; run_ctest; fi
poweroff_now
