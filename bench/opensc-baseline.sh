#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/opensc-baseline.sh - what OpenSC's PKCS#11 module costs on the My
# Number Card: the reference numbers that our own module (myna-pkcs11.so,
# issue #3) must beat.  See bench/README.md.
#
# A private pcscd and a fresh virtual card (tests/harness/lib.sh) with the
# latency of a physical reader + card; every operation runs BENCH_RUNS times
# through pkcs11-tool, once per module of BENCH_MODULES.  Per operation and
# module it reports the APDUs the card answered and the signatures it made
# (exact: the difference of myna-vcard's --stats file around the command),
# and the median and minimum wall time of the pkcs11-tool process.
#
# Environment:
#   BENCH_MODULES    space-separated PKCS#11 module paths (default: ours,
#                    pkcs11/.libs/myna-pkcs11.so, then OpenSC's
#                    opensc-pkcs11.so); a missing file is skipped with a note
#   BENCH_RUNS       runs per operation and module (default 5)
#   BENCH_APDU_MS    card latency per APDU, ms (default 45)
#   BENCH_SIGN_MS    extra latency per signature, ms (default 300)
#   BENCH_OUT        output directory (default: bench/results of the tree)
#   MYNA_VCARD, top_builddir, top_srcdir, KEEP_HARNESS   as for the tests
#
# Output: a Markdown table on stdout; the same rows as TSV in
# $BENCH_OUT/opensc-baseline.tsv; the card's APDU trace of one "auth-sign"
# operation per module in $BENCH_OUT/<module>-sign.trace (PINs redacted by
# myna-vcard).  Everything else (harness diagnostics) goes to stderr.
#
# Each timed run starts from a cold card (a reset outside the measurement),
# which is what a user who just ran a command meets: pcscd powers an idle
# card off after about a second.

set -u
export LC_ALL=C # EPOCHREALTIME with a '.', sort -n

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
# (SC1091: without -x shellcheck only notes that it does not follow it.)
# shellcheck source-path=SCRIPTDIR source=../tests/harness/lib.sh disable=SC1091
. "$top_srcdir/tests/harness/lib.sh"

# Keep stdout for the table; the harness's diagnostics go to stderr.
exec 3>&1 1>&2

BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_APDU_MS=${BENCH_APDU_MS:-45}
BENCH_SIGN_MS=${BENCH_SIGN_MS:-300}
BENCH_OUT=${BENCH_OUT:-$top_srcdir/bench/results}
# Tokens are chosen by position, as the flows of issue #3 are written:
# the first token (index 0) is the auth token, the second the sign token,
# with OpenSC's module and with ours.  --token-label would make
# pkcs11-tool call C_GetTokenInfo as well, which these flows do not.
AUTH_SLOT=(--slot-index 0)
SIGN_SLOT=(--slot-index 1)
P11_TIMEOUT=120

for v in BENCH_RUNS BENCH_APDU_MS BENCH_SIGN_MS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "$0: $v must be a number" >&2; exit 2; }
done
[ "$BENCH_RUNS" -ge 1 ] || { echo "$0: BENCH_RUNS must be at least 1" >&2; exit 2; }

harness_require pkcs11-tool
if [ -z "${BENCH_MODULES:-}" ]; then
    opensc=$(harness_opensc_module) ||
        harness_unavailable pkcs11-tool "OpenSC's PKCS#11 module not found (install opensc-pkcs11)"
    BENCH_MODULES="${top_builddir:-$top_srcdir}/pkcs11/.libs/myna-pkcs11.so $opensc"
fi

# Test secrets only (tests/harness/lib.sh): real users must never put a PIN
# on the command line (other users see it in ps, and it lands in shell
# history); pkcs11-tool prompts for it when --pin is left out.
AUTH_PIN=$MYNA_TEST_AUTH_PIN
SIGN_PIN=$MYNA_TEST_SIGN_PIN

# ---------------------------------------------------------------------------
# The operations
# ---------------------------------------------------------------------------

OPS=(list-slots auth-objects read-auth-cert auth-sign sign-login-objects
    module-info token-slots)

# op_title OP: the operation as the table shows it.
# shellcheck disable=SC2016  # the backticks are Markdown
op_title() {
    case $1 in
    list-slots) echo '(1) `-L` list slots and tokens' ;;
    auth-objects) echo '(2) `-O` objects of the auth token' ;;
    read-auth-cert) echo '(3) `--read-object --type cert --id 01` (auth cert)' ;;
    auth-sign) echo '(4) auth PIN login + `--sign -m SHA256-RSA-PKCS --id 01`' ;;
    sign-login-objects) echo '(5) sign password login + `-O` (sign cert visible)' ;;
    module-info) echo '(6a) `-I` module info (C_GetInfo; no token call)' ;;
    token-slots) echo '(6b) `-T` slots with tokens (C_GetTokenInfo)' ;;
    esac
}

# op_args OP: sets ARGS to pkcs11-tool's arguments (after --module).
op_args() {
    case $1 in
    list-slots) ARGS=(--list-slots) ;;
    auth-objects) ARGS=("${AUTH_SLOT[@]}" --list-objects) ;;
    read-auth-cert)
        ARGS=("${AUTH_SLOT[@]}" --read-object --type cert --id 01
            --output-file "$W/out.der")
        ;;
    auth-sign)
        ARGS=("${AUTH_SLOT[@]}" --login --pin "$AUTH_PIN"
            --sign --mechanism SHA256-RSA-PKCS --id 01
            --input-file "$W/data" --output-file "$W/out.sig")
        ;;
    sign-login-objects)
        ARGS=("${SIGN_SLOT[@]}" --login --pin "$SIGN_PIN"
            --list-objects)
        ;;
    module-info) ARGS=(--show-info) ;;
    token-slots) ARGS=(--list-token-slots) ;;
    esac
}

# op_check OP OUTPUT: did the run do what the operation is about?
op_check() {
    case $1 in
    list-slots | token-slots)
        [ "$(grep -c 'token label' <<<"$2")" -ge 2 ]
        ;;
    auth-objects) [[ $2 == *"Certificate Object"* ]] ;;
    read-auth-cert) [ -s "$W/out.der" ] ;;
    auth-sign) [ "$(wc -c <"$W/out.sig")" -eq 256 ] ;;
    # OpenSC labels it "Digital Signature Certificate", we "Digital Signature".
    sign-login-objects)
        grep -Eq '^ *label: *Digital Signature( Certificate)?$' <<<"$2"
        ;;
    module-info) [[ $2 == *"Cryptoki version"* ]] ;;
    esac
}

# ---------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------

# stats: "APDUS SIGNATURES" from the card's --stats file (written before
# each answer leaves the card, so it is current once pkcs11-tool exits).
stats() {
    local a=0 s=0 k v
    while IFS='=' read -r k v; do
        case $k in
        apdus) a=$v ;;
        signatures) s=$v ;;
        esac
    done <"$STATS"
    echo "$a $s"
}

now_us() { local t=$EPOCHREALTIME; echo $((10#${t/./})); }

# p11 MODULE ARG...: pkcs11-tool, its output in $P11_OUT, logged.
p11() {
    local module=$1 rc
    shift
    P11_OUT=$(timeout "$P11_TIMEOUT" pkcs11-tool --module "$module" "$@" 2>&1)
    rc=$?
    {
        printf '$ pkcs11-tool --module %s' "$module"
        printf ' %q' "$@"
        printf '\n%s\n[exit %d]\n' "$P11_OUT" "$rc"
    } | sed "s/--pin [^ ]*/--pin ***/" >>"$W/p11.log"
    return "$rc"
}

# median N...: of integers, sorted here.
median() {
    local v n
    mapfile -t v < <(printf '%s\n' "$@" | sort -n)
    n=${#v[@]}
    if ((n % 2)); then
        echo "${v[n / 2]}"
    else
        echo $(((v[n / 2 - 1] + v[n / 2]) / 2))
    fi
}

minimum() { printf '%s\n' "$@" | sort -n | head -n 1; }

# range N...: "N" when all equal, else "MIN-MAX".
range() {
    local lo hi x
    lo=$1 hi=$1
    for x in "$@"; do
        ((x < lo)) && lo=$x
        ((x > hi)) && hi=$x
    done
    if [ "$lo" = "$hi" ]; then echo "$lo"; else echo "$lo-$hi"; fi
}

# row OP MODULE APDUS SIGNATURES MEDIAN MIN: one result, tab-separated, in
# ROWS; the first field is the operation's key (TSV only).
row() {
    local IFS=$'\t'
    ROWS+=("$1$IFS$(op_title "$1")$IFS$(basename "$2")$IFS${*:3}")
}

# measure MODULE OP: BENCH_RUNS cold runs; appends one row to ROWS.
measure() {
    local module=$1 op=$2 i before after t0 t1 ok=1
    local apdus=() sigs=() ms=()
    op_args "$op"
    for ((i = 1; i <= BENCH_RUNS; i++)); do
        rm -f "$W/out.der" "$W/out.sig"
        harness_reset_card || diag "reset before $op run $i failed"
        read -r -a before < <(stats)
        t0=$(now_us)
        p11 "$module" "${ARGS[@]}"
        local rc=$?
        t1=$(now_us)
        read -r -a after < <(stats)
        if [ "$rc" -ne 0 ] || ! op_check "$op" "$P11_OUT"; then
            local why="pkcs11-tool exit status $rc"
            [ "$rc" -ne 0 ] || why="not the expected result"
            diag "$(basename "$module") $op run $i failed ($why):" "$P11_OUT"
            ok=0
            break
        fi
        apdus+=($((after[0] - before[0])))
        sigs+=($((after[1] - before[1])))
        ms+=($(((t1 - t0 + 500) / 1000)))
    done
    if [ "$ok" = 1 ]; then
        row "$op" "$module" "$(range "${apdus[@]}")" "$(range "${sigs[@]}")" \
            "$(median "${ms[@]}")" "$(minimum "${ms[@]}")"
    else
        row "$op" "$module" failed - - -
        FAILED=1
        return
    fi
    diag "$(basename "$module") $op: apdus ${apdus[*]} signatures ${sigs[*]} ms ${ms[*]}"
}

# trace_sign MODULE NAME: one auth-sign operation with myna-vcard --trace.
trace_sign() {
    local module=$1 file=$BENCH_OUT/$2-sign.trace
    harness_stop_vcard || diag "myna-vcard exited with status $HARNESS_VCARD_STATUS"
    {
        echo "# myna-vcard --trace of one cold 'auth-sign' operation through"
        echo "# $(basename "$module"): pkcs11-tool --slot-index 0 --login --pin ..."
        echo "#   --sign --mechanism SHA256-RSA-PKCS --id 01 (PINs redacted as **)"
        echo "# '>' command APDU, '<' response (data + SW)."
    } >"$file"
    harness_start_vcard "$HARNESS_CARD" --stats "$STATS" --trace "$file"
    harness_reset_card || diag "reset before the traced run failed"
    op_args auth-sign
    rm -f "$W/out.sig"
    p11 "$module" "${ARGS[@]}" && op_check auth-sign "$P11_OUT"
    local ok=$?
    harness_stop_vcard || diag "myna-vcard exited with status $HARNESS_VCARD_STATUS"
    if [ "$ok" -ne 0 ]; then
        diag "the traced auth-sign with $(basename "$module") failed:" "$P11_OUT"
        echo "# (the operation FAILED)" >>"$file"
        FAILED=1
    fi
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

harness_init
W=$HARNESS_DIR
STATS=$W/card.stats
# OpenSC's file cache (off by default) must not carry over from the user's
# home: keep any cache inside the work directory.
export XDG_CACHE_HOME=$W/cache
mkdir -p "$BENCH_OUT" || harness_bail "cannot create $BENCH_OUT"
printf 'myna bench %s\n' "$(date +%s)" >"$W/data"

MODULES=() SKIPPED=()
for m in $BENCH_MODULES; do
    if [ -f "$m" ]; then MODULES+=("$m"); else SKIPPED+=("$m"); fi
done
for m in "${SKIPPED[@]}"; do
    diag "skipping module $m: file not found"
done
[ "${#MODULES[@]}" -gt 0 ] || harness_bail "none of BENCH_MODULES exists: $BENCH_MODULES"

harness_start_pcscd
harness_new_card bench
harness_start_vcard "$HARNESS_CARD" --stats "$STATS" \
    --apdu-delay-ms "$BENCH_APDU_MS" --sign-delay-ms "$BENCH_SIGN_MS"
diag "card latency: $BENCH_APDU_MS ms per APDU, +$BENCH_SIGN_MS ms per signature; $BENCH_RUNS runs"

ROWS=() FAILED=0
for m in "${MODULES[@]}"; do
    for op in "${OPS[@]}"; do
        measure "$m" "$op"
    done
done

# The trace: without latency (the sequence does not depend on it).
for m in "${MODULES[@]}"; do
    name=$(basename "$m" .so)
    name=${name%-pkcs11}
    trace_sign "$m" "$name"
done

status=$("$MYNA_VCARD" status --card "$HARNESS_CARD" 2>&1)
case $status in
*auth_tries=3/3*sign_tries=5/5*) ;;
*) diag "PIN tries were spent: $status"; FAILED=1 ;;
esac

tsv=$BENCH_OUT/opensc-baseline.tsv
{
    printf 'op\toperation\tmodule\tapdus\tsignatures\tmedian_ms\tmin_ms\truns\tapdu_delay_ms\tsign_delay_ms\n'
    for r in "${ROWS[@]}"; do
        printf '%s\t%s\t%s\t%s\n' "${r//\`/}" "$BENCH_RUNS" "$BENCH_APDU_MS" "$BENCH_SIGN_MS"
    done
} >"$tsv"

{
    printf '| operation | module | APDUs | signatures | median ms | min ms |\n'
    printf '|---|---|---:|---:|---:|---:|\n'
    for r in "${ROWS[@]}"; do
        r=${r#*$'\t'}
        printf '| %s |\n' "${r//$'\t'/ | }"
    done
    for m in "${SKIPPED[@]}"; do
        printf '\nSkipped %s: file not found.\n' "$m"
    done
} >&3
diag "wrote $tsv and the trace(s) in $BENCH_OUT"
exit "$FAILED"
