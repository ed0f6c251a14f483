# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/harness/lib.sh - shared harness for the integration tests.
#
# Sourced by tests/integration/*.sh and scripts/demo.  It runs a private
# pcscd (with the vsmartcard vpcd driver) in its own mount namespace, so a
# system pcscd is never touched, and puts myna-vcard into its virtual reader.
#
#   harness_init                    work dir + cleanup traps (EXIT INT TERM HUP)
#   harness_require [TOOL...]       skip (77) or fail (CI) when something is missing
#   harness_free_port               sets HARNESS_PORT (PORT and PORT+1 are free)
#   harness_start_pcscd             private pcscd, exports PCSCLITE_CSOCK_NAME
#   harness_new_card NAME [PERSON]  sets HARNESS_CARD (a fresh card directory)
#   harness_start_vcard CARD [ARG...]  myna-vcard run ...; waits for the card
#   harness_stop_vcard              SIGTERM + wait; returns its exit status
#   apdu HEX...                     one opensc-tool session, one line per APDU
#   pass/fail/check/check_eq/check_match/expect_sw, harness_done
#
# Environment:
#   MYNA_VCARD     the myna-vcard binary (default $top_builddir/tools/myna-vcard)
#   top_builddir   build tree (default: the source tree this file lives in)
#   KEEP_HARNESS=1 keep the work directory (logs, card state) after the test
#   CI=true / MYNA_NO_SKIP=1   a missing prerequisite is a failure, not a skip
#
# Call the harness_* functions from the test script's main shell, never inside
# $(...): they record process ids and set variables that cleanup relies on.
#
# What a card session is, seen through opensc-tool (checked against vpcd):
#  * Each opensc-tool invocation connects to the card once; all of its -s
#    APDUs go over that one connection.  With "-c default" (used by apdu
#    below) OpenSC sends nothing of its own; without it, every connect first
#    runs the driver probes (SELECTs of foreign AIDs, CLA B0 commands), which
#    the card sees too.
#  * On disconnect OpenSC leaves the card as it is (SCARD_LEAVE_CARD): there
#    is no reset between two invocations, so the card's security state (a
#    verified PIN, the current DF/EF) carries over to the next invocation.
#    (Checked: VERIFY of 001B in one call, READ of 0001 in the next -> 3082.)
#  * But pcscd powers a card off once no client has used it for about a
#    second (measured with pcscd 1.9.9) and on again at the next connect;
#    vpcd passes both to the virtual card, which treats them as a reset
#    (security state and current DF cleared: SELECT 0001 -> 6A82).
#  So a test must not rely on state across invocations in either direction:
#  keep APDUs that depend on each other in ONE apdu call, and start such a
#  call with the SELECTs it needs.  harness_reset_card forces a cold reset.

HARNESS_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HARNESS_TOP_SRCDIR=$(cd "$HARNESS_LIBDIR/../.." && pwd)
: "${top_builddir:=$HARNESS_TOP_SRCDIR}"
: "${MYNA_VCARD:=$top_builddir/tools/myna-vcard}"
: "${HARNESS_VPCD_DRIVER:=/usr/lib/pcsc/drivers/serial/libifdvpcd.so}"
: "${HARNESS_READER:=0}"
: "${HARNESS_TIMEOUT:=10}"
: "${HARNESS_APDU_TIMEOUT:=30}"

# The card's test secrets (see tools/vcard; never real credentials), and the
# AIDs; used by the scripts that source this file.
# shellcheck disable=SC2034
{
    MYNA_TEST_AUTH_PIN=1234
    MYNA_TEST_SIGN_PIN=ABC123
    MYNA_TEST_TEXT_PIN=4321

    JPKI_AID=D392F000260100000001
    TEXT_AID=D3921000310001010408
    SURFACE_AID=D3921000310001010402
    SELECT_JPKI=00A4040C0A$JPKI_AID
    SELECT_TEXT=00A4040C0A$TEXT_AID
    SELECT_SURFACE=00A4040C0A$SURFACE_AID
}

HARNESS_DIR=
HARNESS_PORT=
HARNESS_PCSCD_PID=
HARNESS_VCARD_PID=
HARNESS_VCARD_LOG=
HARNESS_VCARD_STATUS=
HARNESS_CARD=
HARNESS_VCARD_PIDS=()
HARNESS_NCHECK=0
HARNESS_NFAIL=0
HARNESS_NVCARD=0

# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

diag() {
    [ $# -gt 0 ] || return 0
    printf '%s\n' "$@" | sed 's/^/# /'
}

# diag_file FILE [LINES]: show the tail of a log file as diagnostics.
diag_file() {
    [ -f "$1" ] || return 0
    printf '# --- last %s lines of %s\n' "${2:-20}" "$1"
    tail -n "${2:-20}" "$1" | sed 's/^/#   /'
}

# harness_bail MESSAGE: give up on the whole test (exit 1, cleanup runs).
harness_bail() {
    printf 'Bail out! %s\n' "$*"
    exit 1
}

# ---------------------------------------------------------------------------
# Setup and teardown
# ---------------------------------------------------------------------------

harness_init() {
    local name
    name=$(basename "$0" .sh)
    HARNESS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/myna-$name.XXXXXX") ||
        harness_bail "cannot create a work directory under ${TMPDIR:-/tmp}"
    trap harness_cleanup EXIT
    trap 'harness__on_signal INT 130' INT
    trap 'harness__on_signal TERM 143' TERM
    trap 'harness__on_signal HUP 129' HUP
    diag "work directory $HARNESS_DIR"
}

harness__on_signal() {
    printf '# interrupted by SIG%s\n' "$1"
    exit "$2" # the EXIT trap cleans up
}

# harness__stop_pid PID [SECONDS]: SIGTERM, wait, SIGKILL if it lingers.
# Sets HARNESS_STOP_STATUS to the process's exit status when it is our child.
harness__stop_pid() {
    local pid=$1 limit=$(( ${2:-5} * 10 )) i=0 stat
    HARNESS_STOP_STATUS=
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null; do
        # A child that exited but is not yet reaped still answers kill -0.
        stat=$(ps -o stat= -p "$pid" 2>/dev/null)
        case $stat in Z*) break ;; esac
        i=$((i + 1))
        if [ "$i" -ge "$limit" ]; then
            diag "process $pid ignored SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null
            break
        fi
        sleep 0.1
    done
    wait "$pid" 2>/dev/null
    HARNESS_STOP_STATUS=$?
}

harness_cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM HUP
    for pid in "${HARNESS_VCARD_PIDS[@]}"; do
        harness__stop_pid "$pid" 5
    done
    HARNESS_VCARD_PIDS=()
    if [ -n "$HARNESS_PCSCD_PID" ]; then
        harness__stop_pid "$HARNESS_PCSCD_PID" 5
        HARNESS_PCSCD_PID=
    fi
    if [ -n "$HARNESS_DIR" ] && [ -d "$HARNESS_DIR" ]; then
        if [ "${KEEP_HARNESS:-0}" = 1 ]; then
            diag "KEEP_HARNESS=1: kept $HARNESS_DIR"
        else
            rm -rf "$HARNESS_DIR"
        fi
    fi
    exit "$rc"
}

# harness_unavailable WHAT WHY: a prerequisite is missing.  A skip (77)
# locally; a failure in CI or with MYNA_NO_SKIP=1, so CI never goes green by
# skipping.
harness_unavailable() {
    if [ "${CI:-}" = true ] || [ "${MYNA_NO_SKIP:-0}" = 1 ]; then
        printf 'FAIL: cannot start %s: %s\n' "$1" "$2"
        exit 1
    fi
    printf 'SKIP: cannot start %s: %s\n' "$1" "$2"
    exit 77
}

harness__find_pcscd() {
    command -v pcscd 2>/dev/null && return 0
    [ -x /usr/sbin/pcscd ] && { echo /usr/sbin/pcscd; return 0; }
    return 1
}

# harness_opensc_module: path of OpenSC's PKCS#11 module (or empty).
harness_opensc_module() {
    local m
    for m in "${OPENSC_PKCS11_MODULE:-}" \
        /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so \
        /usr/lib/*-linux-gnu*/opensc-pkcs11.so \
        /usr/lib64/opensc-pkcs11.so /usr/lib/opensc-pkcs11.so; do
        if [ -n "$m" ] && [ -f "$m" ]; then
            printf '%s\n' "$m"
            return 0
        fi
    done
    return 1
}

# harness_require [TOOL...]: everything the pcscd + myna-vcard setup needs,
# plus the extra tools named by the test.  Also proves that a private mount
# namespace can hide /run/pcscd (root, or an unprivileged user namespace).
# shellcheck disable=SC2120  # the arguments are optional
harness_require() {
    local t why probe rc
    HARNESS_PCSCD=$(harness__find_pcscd) ||
        harness_unavailable pcscd "pcscd not found (install the Debian package pcscd)"
    [ -f "$HARNESS_VPCD_DRIVER" ] ||
        harness_unavailable pcscd "vpcd driver $HARNESS_VPCD_DRIVER missing (install vsmartcard-vpcd)"
    for t in opensc-tool unshare mount ss timeout "$@"; do
        command -v "$t" >/dev/null 2>&1 ||
            harness_unavailable pcscd "required tool '$t' not found"
    done
    [ -x "$MYNA_VCARD" ] ||
        harness_unavailable myna-vcard "$MYNA_VCARD is not built (run make, or set MYNA_VCARD)"
    harness__unshare_cmd
    probe=$(mktemp -d "${TMPDIR:-/tmp}/myna-probe.XXXXXX") ||
        harness_unavailable pcscd "cannot create a directory under ${TMPDIR:-/tmp}"
    mkdir "$probe/run"
    why=$("${HARNESS_UNSHARE[@]}" sh -c "$HARNESS_NS_SCRIPT" sh \
        "$probe/run" true 2>&1)
    rc=$?
    rm -rf "$probe"
    if [ "$rc" -ne 0 ]; then
        harness_unavailable pcscd "no private mount namespace for /run/pcscd (${why:-unshare failed}); run as root or allow unprivileged user namespaces"
    fi
}

# Root: a mount namespace.  Otherwise a user namespace mapped to root, in
# which /run/pcscd (or, if it cannot be created, /run) is over-mounted.
harness__unshare_cmd() {
    if [ "$(id -u)" = 0 ]; then
        HARNESS_UNSHARE=(unshare --mount --propagation private)
    else
        HARNESS_UNSHARE=(unshare --user --map-root-user --mount --propagation private)
    fi
    # $1: directory that becomes /run/pcscd; $2...: the command to exec.
    # shellcheck disable=SC2016  # expanded by the inner sh
    HARNESS_NS_SCRIPT='d=$1; shift
if mkdir -p /run/pcscd 2>/dev/null; then
    mount --bind "$d" /run/pcscd || exit 1
else
    mkdir -p "$d.root/pcscd" && mount --bind "$d.root" /run &&
        mount --bind "$d" /run/pcscd || exit 1
fi
exec "$@"'
}

harness__port_busy() {
    [ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]
}

# harness_free_port: pick PORT so that PORT and PORT+1 have no TCP socket on
# this host (vpcd listens on both).  Sets HARNESS_PORT.
harness_free_port() {
    local i p
    for i in $(seq 1 200); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        if ! harness__port_busy "$p" && ! harness__port_busy $((p + 1)); then
            HARNESS_PORT=$p
            return 0
        fi
    done
    harness_bail "no free TCP port pair found after $i tries"
}

# harness_readers: opensc-tool's reader list (header stripped).
harness_readers() {
    timeout 10 opensc-tool -l 2>/dev/null | sed -n '/^Nr\./,$p' | sed 1d
}

# harness_card_present [READER]: true when the reader holds a card.
harness_card_present() {
    harness_readers | awk -v r="${1:-$HARNESS_READER}" \
        '$1 == r && $2 == "Yes" { found = 1 } END { exit !found }'
}

harness__start_pcscd_once() {
    local d=$HARNESS_DIR/pcscd i limit=$((HARNESS_TIMEOUT * 10)) idx
    rm -rf "$d"
    mkdir -p "$d/run" "$d/conf" || harness_bail "cannot create $d"
    printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:%d\nLIBPATH %s\nCHANNELID %d\n' \
        "$HARNESS_PORT" "$HARNESS_VPCD_DRIVER" "$HARNESS_PORT" >"$d/conf/vpcd"
    HARNESS_PCSCD_LOG=$d/pcscd.log
    # unshare and sh exec into pcscd, so $! is pcscd's pid.
    "${HARNESS_UNSHARE[@]}" sh -c "$HARNESS_NS_SCRIPT" sh "$d/run" \
        "$HARNESS_PCSCD" --foreground --config "$d/conf" \
        >"$HARNESS_PCSCD_LOG" 2>&1 &
    HARNESS_PCSCD_PID=$!
    export PCSCLITE_CSOCK_NAME=$d/run/pcscd.comm
    for ((i = 0; i < limit; i++)); do
        if ! kill -0 "$HARNESS_PCSCD_PID" 2>/dev/null; then
            wait "$HARNESS_PCSCD_PID" 2>/dev/null
            HARNESS_PCSCD_WHY="pcscd exited with status $? during start-up"
            HARNESS_PCSCD_PID=
            return 1
        fi
        if [ -S "$PCSCLITE_CSOCK_NAME" ] &&
            harness_readers | grep -q 'Virtual PCD 00 00'; then
            # A reader on the machine (USB hot-plug works in the namespace
            # too) could come first: find our reader's number.
            idx=$(harness_readers | awk '/Virtual PCD 00 00/ { print $1; exit }')
            HARNESS_READER=${idx:-0}
            if harness__port_busy "$HARNESS_PORT"; then
                return 0
            fi
        fi
        sleep 0.1
    done
    HARNESS_PCSCD_WHY="reader 'Virtual PCD 00 00' did not appear within ${HARNESS_TIMEOUT}s"
    harness__stop_pid "$HARNESS_PCSCD_PID" 5
    HARNESS_PCSCD_PID=
    return 1
}

# harness_start_pcscd: start the private pcscd; export PCSCLITE_CSOCK_NAME so
# that every PC/SC client of this test (opensc-tool, pkcs11-tool, ...) talks
# to it.  A port taken in the meantime is retried with another one.
harness_start_pcscd() {
    local attempt
    [ -n "${HARNESS_UNSHARE:-}" ] || harness__unshare_cmd
    [ -n "${HARNESS_PCSCD:-}" ] || HARNESS_PCSCD=$(harness__find_pcscd) ||
        harness_bail "pcscd not found"
    for attempt in 1 2 3; do
        [ -n "$HARNESS_PORT" ] || harness_free_port
        if harness__start_pcscd_once; then
            diag "pcscd $HARNESS_PCSCD_PID: socket $PCSCLITE_CSOCK_NAME, vpcd on 127.0.0.1:$HARNESS_PORT, reader $HARNESS_READER"
            return 0
        fi
        diag "pcscd start attempt $attempt failed: $HARNESS_PCSCD_WHY"
        diag_file "$HARNESS_PCSCD_LOG" 20
        HARNESS_PORT=
    done
    harness_bail "cannot start pcscd: $HARNESS_PCSCD_WHY (log above)"
}

# harness_new_card NAME [PERSON]: issue a card from the work directory's test
# PKI (created on first use) into $HARNESS_DIR/cards/NAME; sets HARNESS_CARD.
harness_new_card() {
    local name=$1 person=${2:-0} pki=$HARNESS_DIR/pki
    local log=$HARNESS_DIR/vcard-admin.log
    if [ ! -e "$pki/.harness-ready" ]; then
        echo "+ myna-vcard init --pki $pki" >>"$log"
        "$MYNA_VCARD" init --pki "$pki" >>"$log" 2>&1 || {
            diag_file "$log"
            harness_bail "myna-vcard init failed"
        }
        touch "$pki/.harness-ready"
    fi
    mkdir -p "$HARNESS_DIR/cards"
    HARNESS_CARD=$HARNESS_DIR/cards/$name
    echo "+ myna-vcard create --card $HARNESS_CARD --person $person" >>"$log"
    "$MYNA_VCARD" create --pki "$pki" --card "$HARNESS_CARD" \
        --person "$person" >>"$log" 2>&1 || {
        diag_file "$log"
        harness_bail "myna-vcard create failed for card '$name'"
    }
}

# harness_start_vcard CARDDIR [RUN-ARG...]: run the virtual card against our
# vpcd and wait until pcscd sees it in the reader.  Only `opensc-tool -l' is
# used to wait, which sends no APDU to the card.
harness_start_vcard() {
    local card=$1 i limit=$((HARNESS_TIMEOUT * 10))
    shift
    [ -n "$HARNESS_PCSCD_PID" ] || harness_bail "harness_start_vcard before harness_start_pcscd"
    HARNESS_NVCARD=$((HARNESS_NVCARD + 1))
    HARNESS_VCARD_LOG=$HARNESS_DIR/vcard.$HARNESS_NVCARD.log
    echo "+ $MYNA_VCARD run --card $card --port $HARNESS_PORT --host 127.0.0.1 $*" \
        >"$HARNESS_VCARD_LOG"
    "$MYNA_VCARD" run --card "$card" --port "$HARNESS_PORT" --host 127.0.0.1 \
        "$@" >>"$HARNESS_VCARD_LOG" 2>&1 &
    HARNESS_VCARD_PID=$!
    HARNESS_VCARD_PIDS+=("$HARNESS_VCARD_PID")
    for ((i = 0; i < limit; i++)); do
        if ! kill -0 "$HARNESS_VCARD_PID" 2>/dev/null; then
            wait "$HARNESS_VCARD_PID" 2>/dev/null
            local st=$?
            harness__forget_vcard "$HARNESS_VCARD_PID"
            diag_file "$HARNESS_VCARD_LOG"
            harness_bail "myna-vcard exited with status $st before the card appeared"
        fi
        if harness_card_present "$HARNESS_READER"; then
            return 0
        fi
        sleep 0.1
    done
    diag_file "$HARNESS_VCARD_LOG"
    diag_file "$HARNESS_PCSCD_LOG"
    harness_bail "no card in reader $HARNESS_READER ${HARNESS_TIMEOUT}s after starting myna-vcard"
}

harness__forget_vcard() {
    local p keep=()
    for p in "${HARNESS_VCARD_PIDS[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    HARNESS_VCARD_PIDS=("${keep[@]}")
}

# harness_wait_card_gone [SECONDS]: true once the reader shows no card.
harness_wait_card_gone() {
    local i limit=$(( ${1:-$HARNESS_TIMEOUT} * 10 ))
    for ((i = 0; i < limit; i++)); do
        harness_card_present "$HARNESS_READER" || return 0
        sleep 0.1
    done
    return 1
}

# harness_stop_vcard: SIGTERM the running myna-vcard, wait for it and for the
# reader to be empty.  Returns (and sets HARNESS_VCARD_STATUS to) its exit
# status, which the contract says is 0 after SIGTERM.
harness_stop_vcard() {
    local pid=$HARNESS_VCARD_PID
    [ -n "$pid" ] || return 0
    harness__stop_pid "$pid" 10
    HARNESS_VCARD_STATUS=$HARNESS_STOP_STATUS
    harness__forget_vcard "$pid"
    HARNESS_VCARD_PID=
    harness_wait_card_gone "$HARNESS_TIMEOUT" || diag "reader $HARNESS_READER still shows a card after myna-vcard stopped"
    return "$HARNESS_VCARD_STATUS"
}

# harness_reset_card: cold reset of the card in our reader (vpcd turns it
# into power off + power on).  OpenSC performs it after any APDUs of the same
# invocation, so it runs alone.
harness_reset_card() {
    timeout "$HARNESS_APDU_TIMEOUT" opensc-tool -c default -r "$HARNESS_READER" \
        --reset >>"$HARNESS_DIR/apdu.log" 2>&1
}

# ---------------------------------------------------------------------------
# APDUs through opensc-tool
# ---------------------------------------------------------------------------

# Parse opensc-tool's -s output on stdin; print "SW" or "SW DATAHEX" per
# response.  Responses look like
#   Sending: 00 B0 00 00 04
#   Received (SW1=0x90, SW2=0x00):
#   30 82 05 1C 0.....
# where the dump (util_hex_dump_asc) has up to 16 "XX " groups then the ASCII
# column; the first line of a dump is not padded (4 chars per byte), later
# lines are padded to 48 columns.  The ASCII column may contain spaces and
# hex-like letters, so the byte count comes from the line length.
harness__parse_opensc_tool() {
    local line sw='' data='' nl=0 have=0 n hex sw1 sw2
    while IFS= read -r line; do
        case $line in
        "Sending: "*)
            [ "$have" = 1 ] && printf '%s%s\n' "$sw" "${data:+ $data}"
            have=0
            ;;
        "Received (SW1=0x"*)
            [ "$have" = 1 ] && printf '%s%s\n' "$sw" "${data:+ $data}"
            sw1=${line#*SW1=0x}
            sw2=${line#*SW2=0x}
            sw=${sw1:0:2}${sw2:0:2}
            sw=${sw^^}
            data='' nl=0 have=1
            ;;
        *)
            if [ "$have" = 1 ] && [[ $line =~ ^[0-9A-F]{2}\  ]]; then
                if [ "${#line}" -eq 64 ]; then
                    n=16
                elif [ "$nl" -eq 0 ]; then
                    n=$((${#line} / 4))
                else
                    n=$((${#line} - 48))
                fi
                hex=${line:0:$((3 * n))}
                data+=${hex// /}
                nl=$((nl + 1))
            fi
            ;;
        esac
    done
    [ "$have" = 1 ] && printf '%s%s\n' "$sw" "${data:+ $data}"
    return 0
}

# apdu HEX...: send the APDUs over ONE connection (see the top of this file)
# and print one line per APDU: "SW" (e.g. 9000) or "SW DATA" (9000 3082...).
# Spaces inside an APDU are allowed.  When opensc-tool stops early (no card,
# transmission error, malformed APDU) the missing lines read "ERR <reason>"
# and the status is 1.
apdu() {
    local args=() hexes=() a out err n_out n_want i reason
    for a in "$@"; do
        a=${a//[[:space:]]/}
        args+=(-s "${a^^}")
        hexes+=("${a^^}")
    done
    err=$HARNESS_DIR/apdu.err
    out=$(LC_ALL=C timeout "$HARNESS_APDU_TIMEOUT" opensc-tool -c default \
        -r "$HARNESS_READER" "${args[@]}" 2>"$err")
    {
        printf '$ opensc-tool -c default -r %s' "$HARNESS_READER"
        printf ' -s %s' "${hexes[@]}"
        printf '\n%s\n' "$out"
        cat "$err"
    } | sed -E 's/^(.{400}).*/\1.../' >>"$HARNESS_DIR/apdu.log"
    out=$(harness__parse_opensc_tool <<<"$out")
    [ -n "$out" ] && printf '%s\n' "$out"
    n_want=$#
    n_out=0
    [ -n "$out" ] && n_out=$(printf '%s\n' "$out" | wc -l)
    if [ "$n_out" -lt "$n_want" ]; then
        reason=$(grep -v '^$' "$err" | head -n 1)
        for ((i = n_out; i < n_want; i++)); do
            printf 'ERR %s\n' "${reason:-no response}"
        done
        return 1
    fi
    return 0
}

# sw_of LINE / data_of LINE: split a line printed by apdu.
sw_of() { printf '%s\n' "${1%% *}"; }
data_of() {
    case $1 in
    *" "*) printf '%s\n' "${1#* }" ;;
    *) printf '\n' ;;
    esac
}

# read_ef FID [APDU...]: content of an EF as hex.  The APDUs (SELECT of the
# application, VERIFY, ...) are sent first and must answer 9000; then SELECT
# FID and READ BINARY in 256-byte chunks until a short chunk or an error,
# all in one session.  A DER object (30 82 LL LL) is cut to its length.
read_ef() {
    local fid=$1 i cmds=() lines line total=0 data='' pre
    shift
    pre=$#
    cmds=("$@" "00A4020C02$fid")
    for ((i = 0; i < ${HARNESS_READ_CHUNKS:-16}; i++)); do
        cmds+=("$(printf '00B0%02X0000' "$i")")
    done
    mapfile -t lines < <(apdu "${cmds[@]}")
    for ((i = 0; i <= pre; i++)); do
        [ "$(sw_of "${lines[i]:-}")" = 9000 ] || {
            diag "read_ef $fid: '${cmds[i]}' answered '${lines[i]:-nothing}'" >&2
            return 1
        }
    done
    for ((i = pre + 1; i < ${#lines[@]}; i++)); do
        line=${lines[i]}
        [ "$(sw_of "$line")" = 9000 ] || break
        data+=$(data_of "$line")
        [ $(( ${#data} / 2 - total )) -eq 256 ] || break
        total=$(( ${#data} / 2 ))
    done
    if [ "${data:0:4}" = 3082 ]; then
        total=$(( (16#${data:4:4} + 4) * 2 ))
        data=${data:0:$total}
    fi
    printf '%s\n' "$data"
}

# harness_run LOG SECONDS CMD...: run CMD with a time limit; its output
# (stdout and stderr) goes to stdout and, after the command line, to
# $HARNESS_DIR/LOG.  Returns CMD's status.
harness_run() {
    local log=$HARNESS_DIR/$1 limit=$2
    shift 2
    {
        printf '%s $' "$(date +%T.%N | cut -c1-12)"
        printf ' %q' "$@"
        echo
    } >>"$log"
    timeout "$limit" "$@" 2>&1 | tee -a "$log"
    return "${PIPESTATUS[0]}"
}

# verify_apdu PIN: VERIFY (00 20 00 80) of the current key EF with PIN in
# ASCII; change_apdu NEW: CHANGE REFERENCE DATA (00 24 01 80).
verify_apdu() { printf '00200080%02X%s\n' "${#1}" "$(hex_of_ascii "$1")"; }
change_apdu() { printf '00240180%02X%s\n' "${#1}" "$(hex_of_ascii "$1")"; }

# harness_atr: the card's ATR as upper-case hex, as `opensc-tool -a' shows it
# (this connects through the normal driver matching).
harness_atr() {
    timeout "$HARNESS_APDU_TIMEOUT" opensc-tool -r "$HARNESS_READER" -a 2>&1 |
        tr -d ':[:space:]' | tr a-f A-F
    echo
}

# harness_sleep SECONDS: a sleep that a trapped signal interrupts at once.
harness_sleep() {
    sleep "$1" &
    wait "$!"
}

# Conversions.
hex_of_ascii() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F; echo; }
hex_of_file() { od -An -v -tx1 <"$1" | tr -d ' \n' | tr a-f A-F; echo; }
hex_to_file() {
    local hex=${1//[[:space:]]/}
    printf '%s' "$hex" | sed 's/../\\x&/g' | { IFS= read -r esc; printf '%b' "$esc"; } >"$2"
}
# sha256_digestinfo FILE: hex DigestInfo (SHA-256) of FILE's content.
sha256_digestinfo() {
    printf '3031300D060960864801650304020105000420%s\n' \
        "$(openssl dgst -sha256 -r "$1" | cut -c1-64 | tr a-f A-F)"
}

# ---------------------------------------------------------------------------
# Checks (TAP-like: "ok N - ..." / "not ok N - ...")
# ---------------------------------------------------------------------------

pass() {
    HARNESS_NCHECK=$((HARNESS_NCHECK + 1))
    printf 'ok %d - %s\n' "$HARNESS_NCHECK" "$1"
}

# fail DESC [DETAIL...]
fail() {
    HARNESS_NCHECK=$((HARNESS_NCHECK + 1))
    HARNESS_NFAIL=$((HARNESS_NFAIL + 1))
    printf 'not ok %d - %s\n' "$HARNESS_NCHECK" "$1"
    shift
    [ $# -eq 0 ] || diag "$@"
}

# check DESC CMD [ARG...]: ok when CMD exits 0; its output is shown on failure.
check() {
    local desc=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ]; then
        pass "$desc"
        return 0
    fi
    fail "$desc" "command failed with status $rc: $*"
    [ -z "$out" ] || printf '%s\n' "$out" | tail -n 15 | sed 's/^/#   /'
    return 1
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then
        pass "$1"
        return 0
    fi
    fail "$1" "expected: $2" "     got: $3"
    return 1
}

# check_match DESC GLOB ACTUAL
check_match() {
    # shellcheck disable=SC2053  # $2 is a glob on purpose
    if [[ $3 == $2 ]]; then
        pass "$1"
        return 0
    fi
    fail "$1" "expected to match: $2" "                got: $3"
    return 1
}

# expect_sw DESC SW-GLOB LINE: LINE is one line printed by apdu.
expect_sw() {
    local sw=${3%% *}
    # shellcheck disable=SC2053
    if [[ $sw == $2 ]]; then
        pass "$1 -> $sw"
        return 0
    fi
    fail "$1" "expected SW $2, got: ${3:-no response}"
    return 1
}

# harness_done: plan line and exit status (1 if any check failed or none ran).
harness_done() {
    printf '1..%d\n' "$HARNESS_NCHECK"
    if [ "$HARNESS_NCHECK" -eq 0 ]; then
        diag "no checks ran"
        exit 1
    fi
    if [ "$HARNESS_NFAIL" -gt 0 ]; then
        diag "$HARNESS_NFAIL of $HARNESS_NCHECK checks failed"
        [ "${KEEP_HARNESS:-0}" = 1 ] || diag "rerun with KEEP_HARNESS=1 to keep the logs"
        exit 1
    fi
    diag "all $HARNESS_NCHECK checks passed"
    exit 0
}
