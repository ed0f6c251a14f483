#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/unit/sanitizer-reports.sh - tests/harness/sanitizer-reports judges
# the sanitizer phase: recorded reports (shortened from real ones of this
# suite) must count or be ignored as documented there.  Runs in both phases:
# a judge that let everything through would make the phase worthless.

set -uo pipefail
shopt -s lastpipe  # case_ at the end of a pipeline counts in this shell
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
judge=$srcdir/tests/harness/sanitizer-reports
W=$(mktemp -d "${TMPDIR:-/tmp}/myna-sanrep.XXXXXX")
trap 'rm -rf "$W"' EXIT
B=$W/build
mkdir -p "$B/tools" "$B/pkcs11/.libs" "$B/tests/asan-bin"
printf '#!/bin/sh\n' >"$B/tools/myna-qualify"
chmod +x "$B/tools/myna-qualify"
ln -s /bin/true "$B/tests/asan-bin/pkcs11-tool"
n=0
bad=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); bad=1; echo "not ok $n - $1"; }

# A pkcs11-tool leak of its own: a certificate it decoded.
third_party_leak() {
    cat <<'R'
=================================================================
==pkcs11-tool==2666==ERROR: LeakSanitizer: detected memory leaks

Direct leak of 120 byte(s) in 3 object(s) allocated from:
    #0 0x7faf270b89cf in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
    #1 0x7faf26c333e8 in CRYPTO_zalloc (/lib/x86_64-linux-gnu/libcrypto.so.3+0x2333e8)
    #5 0x7fe771afb87d in ASN1_item_d2i_ex (/lib/x86_64-linux-gnu/libcrypto.so.3+0xfb87d)
    #6 0x55862f09caa3  (/usr/bin/pkcs11-tool+0x13aa3)
    #8 0x7fe771845249 in __libc_start_call_main ../sysdeps/nptl/libc_start_call_main.h:58

SUMMARY: AddressSanitizer: 120 byte(s) leaked in 3 allocation(s).
R
}
# The same program, a leak through our module (symbolized source path).
our_leak_in_third_party() {
    third_party_leak | sed '/^SUMMARY/d'
    cat <<'R'
Indirect leak of 64 byte(s) in 1 object(s) allocated from:
    #0 0x7faf270b89cf in __interceptor_calloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:77
    #1 0x7faf2700aaaa in session_open pkcs11/session.c:88
    #2 0x55862f09caa3  (/usr/bin/pkcs11-tool+0x13aa3)

SUMMARY: AddressSanitizer: 184 byte(s) leaked in 4 allocation(s).
R
}

# case NAME FILE-NAME EXPECT-RC: put the fixture (stdin) alone into a
# report directory, run the judge, compare its exit status.
case_() {
    local what=$1 file=$2 want=$3 rc
    rm -rf "$W/r"
    mkdir -p "$W/r"
    cat >"$W/r/$file"
    "$judge" "$W/r" "$B" >"$W/out" 2>&1
    rc=$?
    if [ "$rc" = "$want" ]; then ok "$what"; else
        notok "$what (exit $rc, want $want)"
        sed 's/^/# /' "$W/out"
    fi
}

third_party_leak | case_ "a third-party program's own leak is ignored" asan.pkcs11-tool.2666 0
grep -q "1 leak records of other programs' own (pkcs11-tool:1)" "$W/out" &&
    ok "... and listed by program" || notok "... and listed by program"
our_leak_in_third_party | case_ "a leak with a frame in pkcs11/ counts" asan.pkcs11-tool.2667 1
third_party_leak | sed "s|(/usr/bin/pkcs11-tool+0x13aa3)|in C_Login ($B/pkcs11/.libs/myna-pkcs11.so+0x9aa3)|" |
    case_ "a leak with a frame in a module of the build tree counts" asan.pkcs11-tool.2668 1
third_party_leak | sed 's/pkcs11-tool/myna-qualify/g' |
    case_ "any leak in a program we build counts, even through libcrypto only" asan.myna-qualify.77 1
third_party_leak | case_ "a libtool lt- wrapper is a program we build" asan.lt-myna-card.78 1
case_ "a heap overflow in a third-party program counts" asan.openssl.99 1 <<'R'
==openssl==99==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011
READ of size 1 at 0x602000000011 thread T0
    #0 0x7f0000000001 in memcpy (/lib/x86_64-linux-gnu/libc.so.6+0x1)
R
case_ "a UBSan runtime error counts" ubsan.myna-eligd.100 1 <<'R'
tools/eligd/http.c:120:9: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'
R
case_ "a file with only the suppressions used is ignored" asan.openssl.101 0 <<'R'
-----------------------------------------------------
Suppressions used:
  count      bytes template
      2          2 something
-----------------------------------------------------
R
rm -rf "$W/none"
"$judge" "$W/none" "$B" >/dev/null 2>&1 && ok "no report directory: nothing counts" ||
    notok "no report directory: nothing counts"
echo "1..$n"
exit "$bad"
