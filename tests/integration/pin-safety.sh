#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# PIN safety across every path to the card (issue #6): for each program
# that can present the auth PIN, a malformed PIN must send no VERIFY at
# all, and a wrong PIN exactly one VERIFY, never a second (no automatic
# retry anywhere).  VERIFY commands with data (00 20 00 80 Lc ...) are
# counted at the virtual card (myna-vcard --trace; the trace redacts the
# PIN itself).  Paths: pkcs11-tool, NSS certutil, GnuTLS p11tool, OpenSSH
# ssh-add, OpenSSL through the myna provider, myna-card and myna-qualify.
# Every path gets a fresh card, so the test itself never locks a PIN.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

TOP=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
MODULE=${MYNA_PKCS11_MODULE:-$TOP/pkcs11/.libs/myna-pkcs11.so}
PROVDIR=${MYNA_PROVIDER_DIR:-$TOP/provider/.libs}
[ -f "$MODULE" ] || harness_bail "module not built: $MODULE"
harness_require pkcs11-tool certutil modutil p11tool ssh-add ssh-agent openssl
harness_init
harness_start_pcscd
W=$HARNESS_DIR
TRACE=$W/trace
N=0

# A fresh card (3 tries) for every path.
fresh_card() {
    [ -n "${HARNESS_VCARD_PID:-}" ] && harness_stop_vcard
    N=$((N + 1))
    harness_new_card "c$N"
    : >"$TRACE"
    harness_start_vcard "$HARNESS_CARD" --trace "$TRACE"
}
verifies() { grep -c '^> 00200080 \*\*' "$TRACE"; }
tries() {
    "$MYNA_VCARD" status --card "$HARNESS_CARD" |
        sed -n 's|^auth_tries=\([0-9]\)/3|\1|p'
}

# path NAME CMD-WITH-MALFORMED CMD-WITH-WRONG [OK-RC]: run each, count VERIFYs;
# then the second command with the right PIN must succeed (exit status
# OK-RC, default 0).
# The commands are strings of shell words evaluated with PIN set.
path() {
    local name=$1 malformed=$2 wrong=$3 ok_rc=${4:-0} before
    fresh_card
    before=$(verifies)
    PIN=12 eval "$malformed" >>"$W/$name.log" 2>&1
    check_eq "$name: a malformed PIN sends no VERIFY" "$before" "$(verifies)"
    before=$(verifies)
    PIN=0000 eval "$wrong" >>"$W/$name.log" 2>&1
    check_eq "$name: a wrong PIN is sent exactly once" $((before + 1)) \
        "$(verifies)"
    check_eq "$name: one try spent" 2 "$(tries)"
    # The control: the same command with the right PIN works, so the
    # counts above are the program's doing, not a broken command line.
    PIN=$MYNA_TEST_AUTH_PIN eval "$wrong" >>"$W/$name.log" 2>&1
    check_eq "$name: the right PIN works (exit status)" "$ok_rc" $?
}

# --- pkcs11-tool
P11='timeout 60 pkcs11-tool --module "$MODULE" --token-label "JPKI User Authentication" --login --pin "$PIN" -O'
path pkcs11-tool "$P11" "$P11"

# --- NSS certutil (password from a file, as scripts do)
mkdir -p "$W/nss"
certutil -N -d "sql:$W/nss" --empty-password >>"$W/nss.log" 2>&1
echo | modutil -force -dbdir "sql:$W/nss" -add myna -libfile "$MODULE" \
    >>"$W/nss.log" 2>&1
NSS='printf "%s\n" "$PIN" >"$W/pw"; timeout 60 certutil -K -d "sql:$W/nss" -h "JPKI User Authentication" -f "$W/pw"'
path nss-certutil "$NSS" "$NSS"

# --- GnuTLS p11tool (GNUTLS_PIN)
GT='GNUTLS_PIN=$PIN timeout 60 p11tool --provider "$MODULE" --login --list-privkeys "pkcs11:token=JPKI%20User%20Authentication"'
path gnutls-p11tool "$GT" "$GT"

# --- OpenSSH ssh-add -s (PIN through SSH_ASKPASS)
cat >"$W/askpass" <<EOA
#!/bin/sh
cat "$W/askpin"
EOA
chmod +x "$W/askpass"
SSH='printf "%s\n" "$PIN" >"$W/askpin"; (eval "$(ssh-agent -s -P "$MODULE")" >/dev/null; SSH_ASKPASS="$W/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=: timeout 60 ssh-add -s "$MODULE" </dev/null; rc=$?; ssh-agent -k >/dev/null; exit $rc)'
path openssh-ssh-add "$SSH" "$SSH"

# --- OpenSSL + myna provider
if [ -f "$PROVDIR/myna.so" ]; then
    printf 'data\n' | openssl dgst -sha256 -binary >"$W/d.sha256"
    OSSL='MYNA_PROVIDER_MODULE="$MODULE" timeout 60 openssl pkeyutl -sign -provider-path "$PROVDIR" -provider myna -provider default -inkey "pkcs11:token=JPKI%20User%20Authentication;id=%01;type=private?pin-value=$PIN" -in "$W/d.sha256" -pkeyopt digest:sha256 -out "$W/s.sig" </dev/null'
    path openssl-provider "$OSSL" "$OSSL"
else
    fail "provider not built: $PROVDIR/myna.so"
fi

# --- myna-card (change-pin: the current PIN is verified first)
MC='timeout 60 "$TOP/tools/myna-card" --pin-fd 3 change-pin auth 3< <(printf "%s\n5678\n" "$PIN")'
if [ -x "$TOP/tools/myna-card" ]; then
    path myna-card "$MC" "$MC"
else
    fail "myna-card not built"
fi

# --- myna-qualify (the client signs through the provider): PIN format
# is checked before anything reaches the card, a wrong PIN is not retried.
# It logs in before it asks the service for a nonce, so with the right PIN
# it gets as far as the network: no service listens here (exit 5).
if [ -x "$TOP/tools/myna-qualify" ]; then
    MQ='OPENSSL_MODULES="$PROVDIR" timeout 60 "$TOP/tools/myna-qualify" card --module "$MODULE" --url https://127.0.0.1:9/ --cacert /dev/null --institution 3410712362 --pin-fd 3 3< <(printf "%s\n" "$PIN") </dev/null'
    path myna-qualify "$MQ" "$MQ" 5
else
    fail "myna-qualify not built"
fi
harness_done
