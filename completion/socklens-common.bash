# bash completion shared by the socklens tools (tcpconnect, tcpaccept,
# tcpclose, podnet). Each tool's file (completion/<tool>) sources this and
# calls _socklens_complete with its own options. Self-contained: it needs
# neither the bash-completion package's helpers nor the tool itself.
# Keep the lists in step with "<tool> --help" (tests/integration/test_docs.py
# checks that every option is completed and nothing else).

# Options every tool shares (common/opts.c), and those that take a value.
_socklens_common_opts='-p --pid -u --uid -4 --ipv4 -6 --ipv6 --netns --cgroup --container --pod
  --names --no-names
  -t --timestamp -T --time -j --json -o --output -H --no-header
  --metrics-dir --metrics-interval --metrics-max-series --metrics-only --metrics-raddr --duration
  --max-events --rate-limit -i --interval --buffer-pages --perf-buffer --no-kprobes --no-tp-btf --no-cache --read -v --verbose --ebpf -h --help --version'
_socklens_common_args='-p --pid -u --uid --netns --cgroup --container --pod -o --output
  --metrics-dir --metrics-interval --metrics-max-series --duration
  --max-events --rate-limit -i --interval --buffer-pages --read'

# Prints the words of $1 that are not in $2.
_socklens_without()
{
    local w x keep
    for w in $1; do
        keep=1
        for x in $2; do
            [[ $w == "$x" ]] && keep=0 && break
        done
        ((keep)) && printf '%s\n' "$w"
    done
}

# COMPREPLY from the words of a list, for the part of $cur after the last
# comma (PID[,PID...]), keeping what comes before it.
_socklens_list()
{
    local words=$1 cur=$2 head=
    [[ $cur == *,* ]] && head=${cur%,*},
    mapfile -t COMPREPLY < <(compgen -P "$head" -W "$words" -- "${cur##*,}")
}

_socklens_pids()
{
    local p pids=
    for p in /proc/[0-9]*; do pids+="${p#/proc/} "; done
    _socklens_list "$pids" "$1"
}

# Namespace files: /run/netns/NAME and /proc/PID/ns/net; once a path is
# being typed, any path (directories get a "/" and no space after them).
# Not "-o filenames": it would list every /proc/PID/ns/net as "net".
_socklens_netns()
{
    local cur=$1 f
    local -A seen=()
    COMPREPLY=()
    for f in /run/netns/* /proc/[0-9]*/ns/net; do
        [[ -e $f && $f == "$cur"* ]] && COMPREPLY+=("$f") && seen[$f]=1
    done
    if [[ $cur == */* ]]; then
        while IFS= read -r f; do
            [[ -d $f ]] && f+=/
            [[ -z ${seen[$f]-} ]] && COMPREPLY+=("$f")
        done < <(compgen -f -- "$cur")
    fi
    [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]] && compopt -o nospace 2>/dev/null
    return 0
}

_socklens_value()
{
    local opt=$1 cur=$2
    COMPREPLY=()
    case $opt in
    -o | --output) mapfile -t COMPREPLY < <(compgen -W 'text json csv raw' -- "$cur") ;;
    --proto) mapfile -t COMPREPLY < <(compgen -W 'tcp udp icmp' -- "$cur") ;;
    --netns) _socklens_netns "$cur" ;;
    --cgroup | --metrics-dir)
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        compopt -o filenames 2>/dev/null
        ;;
    -p | --pid) _socklens_pids "$cur" ;;
    --read)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        compopt -o filenames 2>/dev/null
        ;;
    -u | --uid)
        mapfile -t COMPREPLY < <(compgen -W "$(getent passwd 2>/dev/null | cut -d: -f3)" -- "$cur")
        ;;
    --ifname)
        local f names=
        for f in /sys/class/net/*; do [[ -e $f ]] && names+="${f##*/} "; done
        mapfile -t COMPREPLY < <(compgen -W "$names" -- "$cur")
        ;;
    esac # other values (numbers, addresses, ports, ids): nothing to offer
}

# _socklens_complete TOOL_OPTS TOOL_ARGS [COMMON_NOT_TAKEN]
#   TOOL_OPTS: the tool's own options; TOOL_ARGS: those of them that take a
#   value; COMMON_NOT_TAKEN: common options the tool does not have.
# A tool's own option replaces a common one of the same spelling (podnet -p).
_socklens_complete()
{
    local tool_opts=$1 tool_args=$2 not_taken=${3-}
    local cur=${COMP_WORDS[COMP_CWORD]} prev= eq=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # --opt=value: bash splits it into "--opt" "=" "value" when "=" is in
    # COMP_WORDBREAKS (the default); else it is one word.
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    elif [[ $cur == --*=* ]]; then
        prev=${cur%%=*} eq=${cur%%=*}= cur=${cur#*=}
    fi

    local common_args opts
    common_args=$(_socklens_without "$_socklens_common_args" "$tool_opts $not_taken")
    local w
    for w in $common_args $tool_args; do
        if [[ $prev == "$w" ]]; then
            _socklens_value "$prev" "$cur"
            [[ -n $eq ]] && COMPREPLY=("${COMPREPLY[@]/#/$eq}")
            return 0
        fi
    done

    opts="$tool_opts $(_socklens_without "$_socklens_common_opts" "$tool_opts $not_taken")"
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
}
