#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/eligd-soak.sh - myna-eligd under sustained load (issue #6, `make
# soak`; bench/README.md): zero errors and flat memory.
#
#  1. The service set up as for bench/eligd-load.sh (bench/eligd-setup.sh:
#     a virtual card, its CA with a CRL, the holder in the store, the
#     audit log on), --nonce-lifetime SOAK_NONCE_LIFETIME.
#  2. bench/eligd-load --soak: SOAK_CONC keep-alive HTTPS connections,
#     each repeating nonce + freshly signed card request (every check of
#     docs/eligibility-protocol.md §4), for SOAK_SECONDS.
#  3. The service's VmRSS (/proc/PID/status) sampled every second.
#
# Pass: every request verified (200 with qualificationValidity "1"), no
# error, and flat memory: the RSS in the last second of load at most
# SOAK_RSS_GROWTH % above the RSS after SOAK_WARMUP seconds.  During the
# warm-up the thread pools, TLS state, SQLite's page cache and the trust
# cache fill, and so does the nonce table: a spent nonce is kept until it expires (a replay
# must get REF-E121), ~90 bytes each, so the table holds lifetime x rate
# entries (60 s x 2 000/s = 120 000, ~11 MB, and past the default
# --max-nonces of 100 000: REF-E150).  A 15 s lifetime lets the table
# reach its steady state within a 60 s run; the warm-up (20 s) is longer
# than it.  Past the warm-up a leak of even 100 bytes per request, at
# ~2 000 req/s over 40 s, is ~8 MB, far beyond 10 % of a ~20 MB service.
#
# Environment:
#   SOAK_SECONDS      duration (default 60)
#   SOAK_CONC         connections (default 16)
#   SOAK_THREADS      myna-eligd --threads (default nproc)
#   SOAK_WARMUP       seconds before the reference RSS (default 20)
#   SOAK_NONCE_LIFETIME  myna-eligd --nonce-lifetime (default 15)
#   SOAK_RSS_GROWTH   allowed growth after warm-up in % (default 10)
#   MYNA_ELIGD, MYNA_VCARD, top_srcdir, top_builddir
#
# Output: a Markdown table on stdout, the RSS series in $SOAK_OUT (when
# set) as "second<TAB>kB"; diagnostics on stderr.  Exit status 0 on pass,
# 1 otherwise.

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

SOAK_SECONDS=${SOAK_SECONDS:-60}
SOAK_CONC=${SOAK_CONC:-16}
SOAK_THREADS=${SOAK_THREADS:-$(nproc)}
SOAK_WARMUP=${SOAK_WARMUP:-20}
SOAK_NONCE_LIFETIME=${SOAK_NONCE_LIFETIME:-15}
SOAK_RSS_GROWTH=${SOAK_RSS_GROWTH:-10}
for v in SOAK_SECONDS SOAK_CONC SOAK_THREADS SOAK_WARMUP SOAK_RSS_GROWTH \
    SOAK_NONCE_LIFETIME; do
    if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
        echo "$0: $v must be a number >= 1" >&2
        exit 2
    fi
done
if [ "$SOAK_WARMUP" -ge "$SOAK_SECONDS" ]; then
    echo "$0: SOAK_WARMUP must be below SOAK_SECONDS" >&2
    exit 2
fi
[ -x "$MYNA_ELIGD" ] || harness_bail "myna-eligd not built: $MYNA_ELIGD"
[ -x "$MYNA_VCARD" ] || harness_bail "myna-vcard not built: $MYNA_VCARD"
for t in cc pkg-config openssl curl jq; do
    command -v "$t" >/dev/null 2>&1 || harness_bail "$t not installed"
done

harness_init
W=$HARNESS_DIR
bench_eligd_setup
eligd_start --jpki-ca "$PKI_CA_CRT" --crl "$W/jpki.crl" --db "$W/elig.db" \
    --audit "$W/audit.log" --threads "$SOAK_THREADS" --max-connections 512 \
    --nonce-lifetime "$SOAK_NONCE_LIFETIME" ||
    harness_bail "myna-eligd did not start"
URL=${ELIGD_URL/localhost/127.0.0.1}
diag "myna-eligd $ELIGD_PID at $URL, $SOAK_THREADS threads; $SOAK_CONC connections for ${SOAK_SECONDS}s"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
RSS=$W/rss.tsv
: >"$RSS"
(
    s=0
    while [ "$s" -le "$SOAK_SECONDS" ]; do
        printf '%s\t%s\n' "$s" "$(rss_kb "$ELIGD_PID")"
        sleep 1
        s=$((s + 1))
    done
) >"$RSS" &
sampler=$!
rss0=$(rss_kb "$ELIGD_PID")
out=$(timeout $((SOAK_SECONDS + 120)) "$LOAD" --soak "$SOAK_SECONDS" "$URL" \
    "$HARNESS_DIR/tls/server-ca.pem" "$W/card" "$SOAK_CONC" "$ELIGD_PID" \
    2>"$W/load.err")
load_status=$?
wait "$sampler"
[ -s "$W/load.err" ] && diag_file "$W/load.err"
[ "$load_status" = 0 ] || {
    diag_file "$ELIGD_LOG"
    harness_bail "the load generator failed (status $load_status)"
}
diag "$out"
val() { sed -n "s/.*\\<$1=\\([^ ]*\\).*/\\1/p" <<<"$out"; }
sent=$(val sent) ok=$(val ok) found=$(val found) errors=$(val errors)
secs=$(val seconds) rps=$(val rps) p50=$(val p50_ms) p99=$(val p99_ms)
cpu=$(val server_cpu_s)
alive=yes
kill -0 "$ELIGD_PID" 2>/dev/null || alive=no
eligd_stop
audit_lines=$(wc -l <"$W/audit.log")
[ -n "${SOAK_OUT:-}" ] && cp "$RSS" "$SOAK_OUT"

rss_warm=$(awk -v w="$SOAK_WARMUP" '$1 == w { print $2 }' "$RSS")
# the end: the last sample still under load (the one at SOAK_SECONDS may
# fall after the last request, when expiring nonces shrink the table)
rss_end=$(awk -v e=$((SOAK_SECONDS - 1)) '$1 == e { print $2 }' "$RSS")
rss_max=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$RSS")
[ -n "$rss_warm" ] && [ -n "$rss_end" ] || harness_bail "no RSS samples"
growth=$(awk -v a="$rss_warm" -v b="$rss_end" 'BEGIN { printf "%.1f", 100 * (b - a) / a }')
per_req=$(awk -v c="$cpu" -v n="$ok" 'BEGIN { if (c < 0 || n == 0) print "-"; else printf "%.0f", 1e6 * c / n }')
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

{
    echo "| seconds | connections | requests | verified | errors | req/s | p50 ms | p99 ms | service CPU µs/req | RSS start MB | RSS at ${SOAK_WARMUP} s MB | RSS end MB | RSS max MB | growth after warm-up |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    echo "| $secs | $SOAK_CONC | $sent | $found | $errors | $rps | $p50 | $p99 | $per_req | $(mb "$rss0") | $(mb "$rss_warm") | $(mb "$rss_end") | $(mb "$rss_max") | $growth % |"
} >&3
diag "RSS every second (kB): $(awk '{ printf "%s ", $2 }' "$RSS")"
diag "audit log: $audit_lines lines"

FAILED=0
if [ "$alive" != yes ] || [ "${ELIGD_STATUS:-1}" != 0 ]; then
    diag "myna-eligd died or exited with status ${ELIGD_STATUS:-?}"
    FAILED=1
fi
if [ "$sent" = 0 ] || [ "$found" != "$sent" ] || [ "$errors" != 0 ]; then
    diag "not every request was verified: $found of $sent, $errors errors"
    FAILED=1
fi
if awk -v g="$growth" -v t="$SOAK_RSS_GROWTH" 'BEGIN { exit !(g > t) }'; then
    diag "memory not flat: RSS grew $growth % after the warm-up (limit $SOAK_RSS_GROWTH %)"
    FAILED=1
fi
if grep -E -q 'AddressSanitizer|runtime error|LeakSanitizer' "$ELIGD_LOG"; then
    diag_file "$ELIGD_LOG"
    FAILED=1
fi
exit "$FAILED"
