#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/provider-overhead.sh - what the "myna" OpenSSL provider (issue #4)
# adds to one RSA-2048 PKCS#1 v1.5 SHA-256 signature, against the same
# signature made with direct PKCS#11 calls (bench/provider-overhead.c; see
# bench/README.md).
#
#  1. softhsm2, a key generated here: BENCH_N signatures each way (after a
#     warm-up), per-signature median and mean in µs, and the overhead of the
#     provider in % of the direct median.  Budget (issue #4): <= 5 %.
#  2. our module + a virtual card (tests/harness/lib.sh, myna-vcard
#     --stats): the APDUs of BENCH_CARD_N signatures each way.  Rule: the
#     provider sends no more APDUs per signature than the direct calls.
#
# Environment:
#   BENCH_N          signatures per side on softhsm2 (default 2000)
#   BENCH_CARD_N     signatures per side on the card (default 20)
#   BENCH_BUDGET     overhead budget in % (default 5)
#   SOFTHSM2_MODULE, MYNA_PKCS11_MODULE, MYNA_PROVIDER_DIR, top_builddir
#
# Output: a Markdown table on stdout; diagnostics on stderr.  Exit status 0
# when both rules hold, 1 when one fails (or a measurement fails); the card
# part is skipped with a note when the harness cannot run (not root, no
# pcscd), the softhsm2 part then decides alone.

set -u
export LC_ALL=C

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source-path=SCRIPTDIR source=../tests/harness/lib.sh disable=SC1091
. "$top_srcdir/tests/harness/lib.sh"

exec 3>&1 1>&2

BENCH_N=${BENCH_N:-2000}
BENCH_CARD_N=${BENCH_CARD_N:-20}
BENCH_BUDGET=${BENCH_BUDGET:-5}
PROVDIR=${MYNA_PROVIDER_DIR:-$top_builddir/provider/.libs}
MODULE=${MYNA_PKCS11_MODULE:-$top_builddir/pkcs11/.libs/myna-pkcs11.so}
SOFTHSM=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

for v in BENCH_N BENCH_CARD_N BENCH_BUDGET; do
    if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
        echo "$0: $v must be a number >= 1" >&2
        exit 2
    fi
done
[ -f "$PROVDIR/myna.so" ] || harness_bail "provider not built: $PROVDIR/myna.so"
[ -f "$SOFTHSM" ] || harness_bail "softhsm2 missing: $SOFTHSM"
for t in cc pkg-config softhsm2-util pkcs11-tool; do
    command -v "$t" >/dev/null 2>&1 || harness_bail "$t not installed"
done

harness_init
W=$HARNESS_DIR
BIN=$W/provider-overhead
# shellcheck disable=SC2046 # pkg-config's words are separate arguments
cc -std=c11 -O2 -Wall -o "$BIN" "$top_srcdir/bench/provider-overhead.c" \
    $(pkg-config --cflags --libs libcrypto) -ldl \
    -I "$top_srcdir/pkcs11" -I/usr/include/p11-kit-1 ||
    harness_bail "cannot build bench/provider-overhead.c"

FAILED=0
ROWS=()

# ------------------------------------------------------------ softhsm2
export SOFTHSM2_CONF=$W/softhsm2.conf
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$W/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label myna-bench --so-pin 87654321 \
    --pin 123456 >>"$W/softhsm.log" 2>&1 || harness_bail "softhsm2-util failed"
pkcs11-tool --module "$SOFTHSM" --token-label myna-bench --login \
    --pin 123456 --keypairgen --key-type rsa:2048 --id 01 --label bench \
    >>"$W/softhsm.log" 2>&1 || harness_bail "pkcs11-tool --keypairgen failed"
diag "softhsm2: $BENCH_N signatures each way (interleaved), after a warm-up"
if read -r dmed dmean pmed pmean < <("$BIN" "$PROVDIR" "$SOFTHSM" \
    myna-bench 01 123456 "$BENCH_N") && [ -n "${pmean:-}" ]; then
    pct=$(awk -v d="$dmed" -v p="$pmed" 'BEGIN { printf "%.1f", (p - d) * 100 / d }')
    ok=$(awk -v x="$pct" -v b="$BENCH_BUDGET" 'BEGIN { print (x <= b) ? "yes" : "NO" }')
    [ "$ok" = yes ] || FAILED=1
    ROWS+=("| softhsm2, median µs/signature | $dmed | $pmed | $pct % (budget <= $BENCH_BUDGET %): $ok |")
    ROWS+=("| softhsm2, mean µs/signature | $dmean | $pmean | $(awk -v d="$dmean" -v p="$pmean" 'BEGIN { printf "%.1f", (p - d) * 100 / d }') % |")
else
    diag "softhsm2 measurement failed"
    FAILED=1
fi
unset SOFTHSM2_CONF

# ------------------------------------------------- our module + the card
card() {
    harness_require
    [ -f "$MODULE" ] || harness_unavailable myna-pkcs11 "$MODULE not built"
}
if (card) >/dev/null 2>&1; then
    STATS=$W/card.stats
    harness_start_pcscd
    harness_new_card bench
    harness_start_vcard "$HARNESS_CARD" --stats "$STATS"
    diag "card: $BENCH_CARD_N signatures each way, APDUs from --stats"
    if read -r ad ap < <("$BIN" "$PROVDIR" "$MODULE" \
        'JPKI User Authentication' 01 "$MYNA_TEST_AUTH_PIN" "$BENCH_CARD_N" \
        "$STATS") && [ -n "${ap:-}" ]; then
        ok=$([ "$ap" -le "$ad" ] && echo yes || echo NO)
        [ "$ok" = yes ] || FAILED=1
        per() { awk -v a="$1" -v n="$BENCH_CARD_N" 'BEGIN { printf "%g", a / n }'; }
        ROWS+=("| card, APDUs/signature ($BENCH_CARD_N signatures) | $(per "$ad") | $(per "$ap") | +$(per $((ap - ad))) (rule: +0): $ok |")
    else
        diag "card measurement failed"
        FAILED=1
    fi
else
    diag "card part skipped: $( (card) 2>&1 | tail -n 1)"
    ROWS+=("| card, APDUs/signature | skipped | skipped | (harness unavailable) |")
fi

{
    echo "| measurement | direct PKCS#11 | provider | overhead |"
    echo "|---|---:|---:|---|"
    printf '%s\n' "${ROWS[@]}"
} >&3
exit "$FAILED"
