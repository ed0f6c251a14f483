#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/eligd-load.sh - how many card requests (docs/eligibility-protocol.md
# §4) myna-eligd verifies per second on this machine, against the bound
# that RSA-2048 verification alone puts on it (bench/README.md).
#
#  1. A virtual card's key and certificate (myna-vcard init/create), a CRL
#     of its CA (tests/eligd/pki.sh), the card's holder imported into a
#     fresh store, myna-eligd serve on 127.0.0.1 with every check on: the
#     JPKI CA, the CRL, the audit log, --nonce-lifetime 3600 (phase 1 must
#     not age the nonces out).
#  2. bench/eligd-load.c (built here with cc), phase 1, untimed: BENCH_N
#     nonces, BENCH_N requests signed with a software copy of the card's
#     key.  A real card takes ~300 ms per signature; this measures the
#     service, not the card.
#  3. Phase 2, timed: the requests over BENCH_CONC keep-alive HTTPS
#     connections; verified requests/s (HTTP 200 with qualificationValidity
#     "1": nonce, iat, chain from the cache, CRL, signature, store look-up,
#     audit line), p50/p99 latency, the service's CPU time.
#  4. `openssl speed -seconds 5 -multi BENCH_THREADS rsa2048`: RSA-2048
#     verify/s on all cores, the bound for one verification per request;
#     the ratio against it.  Target: BENCH_TARGET % (50).  The load
#     generator runs on the same cores (TLS, curl), so the ratio is a
#     floor for the service alone; the second ratio counts the service's
#     own CPU time only: (1 / its CPU time per request) against the
#     verifications one core does per second.
#
# Environment:
#   BENCH_N            requests (default 20000: phase 2 lasts a few s)
#   BENCH_CONC         connections (default 8)
#   BENCH_THREADS      myna-eligd --threads and openssl speed -multi
#                      (default: nproc)
#   BENCH_MAX_SECONDS  phase 2 stops after this (default 60)
#   BENCH_TARGET       % of the RSA bound to reach (default 50)
#   MYNA_ELIGD, MYNA_VCARD, top_builddir
#
# Output: a Markdown table on stdout; diagnostics on stderr.  Exit status
# 0 when the target is met, 1 when not or when a step fails.

set -u
export LC_ALL=C

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source-path=SCRIPTDIR source=../tests/harness/lib.sh disable=SC1091
. "$top_srcdir/tests/harness/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../tests/eligd/lib-eligd.sh disable=SC1091
. "$top_srcdir/tests/eligd/lib-eligd.sh"
# shellcheck source-path=SCRIPTDIR source=../tests/eligd/pki.sh disable=SC1091
. "$top_srcdir/tests/eligd/pki.sh"
# shellcheck source-path=SCRIPTDIR source=eligd-setup.sh disable=SC1091
. "$top_srcdir/bench/eligd-setup.sh"

exec 3>&1 1>&2

BENCH_N=${BENCH_N:-20000}
BENCH_CONC=${BENCH_CONC:-8}
BENCH_THREADS=${BENCH_THREADS:-$(nproc)}
BENCH_MAX_SECONDS=${BENCH_MAX_SECONDS:-60}
BENCH_TARGET=${BENCH_TARGET:-50}
for v in BENCH_N BENCH_CONC BENCH_THREADS BENCH_MAX_SECONDS BENCH_TARGET; do
    if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
        echo "$0: $v must be a number >= 1" >&2
        exit 2
    fi
done
[ -x "$MYNA_ELIGD" ] || harness_bail "myna-eligd not built: $MYNA_ELIGD"
[ -x "$MYNA_VCARD" ] || harness_bail "myna-vcard not built: $MYNA_VCARD"
for t in cc pkg-config openssl curl jq; do
    command -v "$t" >/dev/null 2>&1 || harness_bail "$t not installed"
done

harness_init
W=$HARNESS_DIR
bench_eligd_setup
eligd_start --jpki-ca "$PKI_CA_CRT" --crl "$W/jpki.crl" --db "$W/elig.db" \
    --audit "$W/audit.log" --threads "$BENCH_THREADS" \
    --nonce-lifetime 3600 --max-connections 512 ||
    harness_bail "myna-eligd did not start"
URL=${ELIGD_URL/localhost/127.0.0.1}
diag "myna-eligd $ELIGD_PID at $URL, $BENCH_THREADS threads, CRL on"

# ------------------------------------------------------------ the load
diag "phase 1: $BENCH_N nonces and signatures (untimed); phase 2: $BENCH_CONC connections, at most ${BENCH_MAX_SECONDS}s"
out=$(timeout $((BENCH_MAX_SECONDS + 900)) "$LOAD" "$URL" \
    "$HARNESS_DIR/tls/server-ca.pem" "$W/card" "$BENCH_N" "$BENCH_CONC" \
    "$BENCH_MAX_SECONDS" "$ELIGD_PID") || {
    diag_file "$ELIGD_LOG"
    harness_bail "the load generator failed"
}
diag "$out"
val() { sed -n "s/.*\\<$1=\\([^ ]*\\).*/\\1/p" <<<"$out"; }
sent=$(val sent) ok=$(val ok) found=$(val found) errors=$(val errors)
secs=$(val seconds) rps=$(val rps) p50=$(val p50_ms) p99=$(val p99_ms)
cpu=$(val server_cpu_s)
eligd_stop
[ "${ELIGD_STATUS:-1}" = 0 ] || diag "myna-eligd exited with status $ELIGD_STATUS"
audit_lines=$(wc -l <"$W/audit.log")

# ------------------------------------------------------ the RSA bound
diag "openssl speed -seconds 5 -multi $BENCH_THREADS rsa2048"
speed=$(openssl speed -seconds 5 -multi "$BENCH_THREADS" rsa2048 2>/dev/null |
    awk '/^rsa 2048 bits/ { print $NF; exit }')
[ -n "$speed" ] || harness_bail "cannot read openssl speed's verify/s"

ratio=$(awk -v a="$rps" -v b="$speed" 'BEGIN { printf "%.1f", 100 * a / b }')
per_req=$(awk -v c="$cpu" -v n="$ok" 'BEGIN { if (c < 0 || n == 0) print "-"; else printf "%.0f", 1e6 * c / n }')
verify_us=$(awk -v s="$speed" -v t="$BENCH_THREADS" 'BEGIN { printf "%.0f", 1e6 * t / s }')
cpu_ratio=$(awk -v c="$cpu" -v n="$ok" -v s="$speed" -v t="$BENCH_THREADS" \
    'BEGIN { if (c <= 0 || n == 0) print "-"; else printf "%.1f", 100 * (n / c) / (s / t) }')

{
    echo "| requests sent | 200 | eligible (all checks) | errors | seconds | verified req/s | p50 ms | p99 ms | service CPU µs/req | RSA-2048 verify/s ($BENCH_THREADS procs) | µs/verify/core | ratio | ratio (service CPU) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    echo "| $sent | $ok | $found | $errors | $secs | $rps | $p50 | $p99 | $per_req | $speed | $verify_us | $ratio % | $cpu_ratio % |"
} >&3
diag "audit log: $audit_lines lines"

FAILED=0
if [ "$found" != "$sent" ] || [ "$errors" != 0 ]; then
    diag "not every request was verified: $found of $sent eligible, $errors errors"
    FAILED=1
fi
if awk -v r="$ratio" -v t="$BENCH_TARGET" 'BEGIN { exit !(r < t) }'; then
    diag "below the target: $ratio % < $BENCH_TARGET % of the RSA-verify bound"
    FAILED=1
fi
exit "$FAILED"
