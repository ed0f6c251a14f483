#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# myna-pkcs11.so in the PKCS#11 ecosystem, through the real stack (pcscd +
# vpcd + myna-vcard): pkcs11-tool's thread and fork tests, GnuTLS (p11tool,
# certtool), p11-kit (registration by a user module config, the proxy
# module), NSS (modutil, certutil), OpenSSH (ssh-keygen -D) and the checks a
# security review runs with pkcs11-tool (-I, -M, --list-interfaces, key
# attributes).  Every signature that leaves a tool is verified by OpenSSL
# with the public key of the certificate read from the card.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

harness_require pkcs11-tool openssl p11tool certtool p11-kit certutil modutil \
    ssh-keygen cmp
MODULE=${MYNA_PKCS11_MODULE:-${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}/pkcs11/.libs/myna-pkcs11.so}
[ -f "$MODULE" ] || harness_bail "module not built: $MODULE"
# p11-kit needs the module's absolute path in its config.
MODULE=$(cd "$(dirname "$MODULE")" && pwd)/$(basename "$MODULE")
PROXY=
for p in "${P11_KIT_PROXY:-}" /usr/lib/x86_64-linux-gnu/p11-kit-proxy.so \
    /usr/lib/*-linux-gnu*/p11-kit-proxy.so /usr/lib64/p11-kit-proxy.so \
    /usr/lib/p11-kit-proxy.so; do
    if [ -n "$p" ] && [ -f "$p" ]; then
        PROXY=$p
        break
    fi
done
[ -n "$PROXY" ] ||
    harness_unavailable p11-kit "p11-kit-proxy.so not found (install p11-kit-modules)"

SECONDS=0
harness_init
harness_start_pcscd
harness_new_card eco
CARD=$HARNESS_CARD
harness_start_vcard "$CARD" --trace "$HARNESS_DIR/trace"

W=$HARNESS_DIR
AUTH=("--token-label" "JPKI User Authentication")
SIGN=("--token-label" "JPKI Digital Signature")
# Test secrets only: real users let the tools prompt for the PIN.
AUTH_PIN=$MYNA_TEST_AUTH_PIN
SIGN_PIN=$MYNA_TEST_SIGN_PIN

# run CMD...: CMD's output (stdout and stderr) on stdout and in eco.log.
run() { harness_run eco.log 90 "$@"; }
p11() { run pkcs11-tool --module "$MODULE" "$@"; }
auth_tries() { "$MYNA_VCARD" status --card "$CARD" | sed -n 's/^auth_tries=//p'; }

# csr_verifies CSR.der PUB.pem: OpenSSL checks the request's signature with
# PUB (the certificate's key), not with the key inside the request.  The
# request is SEQUENCE { info, algorithm, BIT STRING }: the signed bytes are
# the info element, the signature the BIT STRING's content after its
# unused-bits byte.
# shellcheck disable=SC2317  # called through check
csr_verifies() {
    local csr=$1 pub=$2 tops alg dgst off hl len
    mapfile -t tops < <(openssl asn1parse -inform DER -in "$csr" |
        sed -n 's/^ *\([0-9]*\):d=1 *hl=\([0-9]*\) *l= *\([0-9]*\) .*/\1 \2 \3/p')
    [ "${#tops[@]}" -eq 3 ] || {
        echo "not a CertificationRequest: ${#tops[@]} top-level elements"
        return 1
    }
    read -r off hl len <<<"${tops[0]}"
    tail -c +$((off + 1)) "$csr" | head -c $((hl + len)) >"$csr.tbs"
    read -r off hl len <<<"${tops[2]}"
    tail -c +$((off + hl + 2)) "$csr" | head -c $((len - 1)) >"$csr.sig"
    alg=$(openssl req -inform DER -in "$csr" -noout -text |
        sed -n 's/^ *Signature Algorithm: *//p' | head -n 1)
    dgst=${alg%WithRSAEncryption}
    [ "$dgst" != "$alg" ] || {
        echo "unexpected signature algorithm '$alg'"
        return 1
    }
    echo "signature algorithm $alg"
    openssl dgst "-$dgst" -verify "$pub" -signature "$csr.sig" "$csr.tbs"
}

# --------------------------------------------- reference data from the card
p11 "${AUTH[@]}" -r --type cert --id 01 -o "$W/auth.der" >/dev/null
p11 "${SIGN[@]}" --login --pin "$SIGN_PIN" -r --type cert --id 02 \
    -o "$W/sign.der" >/dev/null
for c in auth sign; do
    openssl x509 -inform DER -in "$W/$c.der" -out "$W/$c.pem"
    openssl x509 -in "$W/$c.pem" -pubkey -noout >"$W/$c.pub"
done
for id in 03 04; do
    p11 "${AUTH[@]}" -r --type cert --id "$id" -o "$W/ca$id.der" >/dev/null
done
for f in auth.pub sign.pub ca03.der ca04.der; do
    [ -s "$W/$f" ] || harness_bail "cannot read the certificates from the card ($f)"
done
printf 'myna ecosystem test %s\n' "$(date +%s%N)" >"$W/data"

# ================================================ 1. pkcs11-tool threads/fork
# --test-threads in OpenSC 0.23 knows the two-letter commands IN
# (C_Initialize(NULL)), IL (C_Initialize with CKF_OS_LOCKING_OK), Pn (pause
# n seconds), GI (C_GetInfo), SL (C_GetSlotList) and Tn (C_GetTokenInfo of
# slot index n of the thread's last SL, so an SL must come first); anything
# else ("OS", "LI", "GO", ... of later versions) ends that thread with
# "Unknown test".  The threads start before the main
# thread's C_Initialize and run beside its work (-O, then a signature).
# Once its work is done pkcs11-tool sleeps a flat 30 s if a thread is still
# running, so the main thread's input arrives 1 s late: by then the threads
# (a few ms) have ended and the main thread signs with nothing running.
for locking in "" --use-locking; do
    out=$(p11 ${locking:+"$locking"} --test-threads ILGISLT0T1 \
        --test-threads INGISLT1T0 --test-threads ILSLGIT0T1 \
        --test-threads INSLT1T0GI "${AUTH[@]}" --login --pin "$AUTH_PIN" -O \
        --sign -m SHA256-RSA-PKCS -i <(sleep 1; cat "$W/data") \
        -o "$W/threads.sig")
    rc=$?
    what="--test-threads${locking:+ $locking}"
    check_eq "$what: exit status 0" 0 "$rc"
    case $out in
    *"waiting for 30 seconds"*) diag "$what: a thread outlived the main work (30 s lost)" ;;
    esac
    final=$(sed -n '/test_threads all threads have ended/,$p' <<<"$out")
    check_match "$what: all 4 threads ended with CKR_OK" \
        "test_threads all threads have ended with CKR_OK*" "$final" ||
        diag "$(grep -E 'test_threads|Unknown test|not available' <<<"$out")"
    check_eq "$what: 4 threads report rv CKR_OK" 4 \
        "$(grep -c '^test_threads thread:[0-9]* state:-1, rv:CKR_OK$' <<<"$final")"
    check_eq "$what: every C_GetTokenInfo in the threads ran" 8 \
        "$(grep -c 'C_GetTokenInfo from slot_index' <<<"$out")"
    case $out in
    *"not available"* | *"Unknown test"*) fail "$what: no thread skipped a command" ;;
    *) pass "$what: no thread skipped a command" ;;
    esac
    check_match "$what: the main thread lists the private key" \
        "*Private Key Object; RSA*label: *User Authentication"$'\n'"*" "$out"
    check "$what: the main thread's signature verifies" openssl dgst -sha256 \
        -verify "$W/auth.pub" -signature "$W/threads.sig" "$W/data"
done

# --test-fork (present in 0.23): fork()s and calls C_Initialize in the child,
# which must succeed (pkcs11-tool exits non-zero otherwise); the parent then
# goes on with its own work on the module it initialized before the fork.
out=$(p11 --test-fork "${AUTH[@]}" --login --pin "$AUTH_PIN" --sign \
    -m SHA384-RSA-PKCS -i "$W/data" -o "$W/fork.sig")
rc=$?
check_eq "--test-fork: exit status 0" 0 "$rc" || diag "$out"
check_match "--test-fork: the child called C_Initialize" \
    "*Calling C_Initialize in forked child process*" "$out"
check "--test-fork: the parent's signature after the fork verifies" \
    openssl dgst -sha384 -verify "$W/auth.pub" -signature "$W/fork.sig" "$W/data"

# ============================================================ 2. GnuTLS
gt() { run p11tool --provider "$MODULE" "$@"; }
out=$(gt --list-tokens)
diag "p11tool --list-tokens:" "$out"
check_match "p11tool: auth token" "*Label: JPKI User Authentication*" "$out"
check_match "p11tool: sign token" "*Label: JPKI Digital Signature*" "$out"
urls=$(gt --list-token-urls)
AUTH_URL=$(grep -m1 'token=JPKI%20User%20Authentication' <<<"$urls")
SIGN_URL=$(grep -m1 'token=JPKI%20Digital%20Signature' <<<"$urls")
check_match "p11tool: auth token URL" "pkcs11:*serial=*token=JPKI%20User%20Authentication" "$AUTH_URL"
check_match "p11tool: sign token URL" "pkcs11:*serial=*token=JPKI%20Digital%20Signature" "$SIGN_URL"

out=$(gt --list-all "$AUTH_URL")
diag "p11tool --list-all (auth token):" "$out"
check_eq "p11tool --list-all: three certificates" 3 \
    "$(grep -c 'Type: X.509 Certificate (RSA-2048)' <<<"$out")"
for label in "User Authentication" \
    "User Authentication CA Certificate" "Digital Signature CA Certificate"; do
    check_match "p11tool --list-all: '$label'" "*Label: $label"$'\n'"*" "$out"
done
check_match "p11tool --list-all: the public key" \
    "*Type: Public key (RSA-2048)*Label: User Authentication"$'\n'"*" "$out"
case $out in
*"Private key"*) fail "p11tool --list-all: no private key before login" ;;
*) pass "p11tool --list-all: no private key before login" ;;
esac
out=$(gt --list-all-certs "$AUTH_URL")
check_eq "p11tool --list-all-certs: three certificates" 3 \
    "$(grep -c 'Type: X.509 Certificate' <<<"$out")"
check_eq "p11tool --list-all-certs: IDs 01 03 04" "01 03 04" \
    "$(sed -n 's/^[[:space:]]*ID: //p' <<<"$out" | sort | xargs)"
check_eq "p11tool --list-all-certs: the two CA certificates are CAs" 2 \
    "$(grep -c 'CKA_CERTIFICATE_CATEGORY=CA' <<<"$out")"
AUTH_CERT=$(sed -n 's/^[[:space:]]*URL: \(pkcs11:.*id=%01;.*type=cert\)$/\1/p' <<<"$out" | head -n 1)

out=$(GNUTLS_PIN=$AUTH_PIN gt --login --list-privkeys "$AUTH_URL")
AUTH_KEY=$(sed -n 's/^[[:space:]]*URL: \(pkcs11:.*type=private\)$/\1/p' <<<"$out" | head -n 1)
check_match "p11tool --login: the auth private key's URL" \
    "pkcs11:*token=JPKI%20User%20Authentication;id=%01;*type=private" "$AUTH_KEY"
out=$(GNUTLS_PIN=$SIGN_PIN gt --login --list-all "$SIGN_URL")
SIGN_KEY=$(sed -n 's/^[[:space:]]*URL: \(pkcs11:.*type=private\)$/\1/p' <<<"$out" | head -n 1)
check_match "p11tool --login: the sign private key's URL" \
    "pkcs11:*token=JPKI%20Digital%20Signature;id=%02;*type=private" "$SIGN_KEY"
check_match "p11tool --login: the sign certificate after login" \
    "*Type: X.509 Certificate*Label: Digital Signature"$'\n'"*" "$out"

# --test-sign signs random data and verifies it twice; on success it prints
# three "... ok" lines and no signature, so OpenSSL gets its key instead
# (next checks) and certtool makes a signature OpenSSL can check.
out=$(GNUTLS_PIN=$AUTH_PIN gt --login --test-sign "$AUTH_KEY")
rc=$?
diag "p11tool --test-sign (auth, PIN from GNUTLS_PIN):" "$out"
check_eq "p11tool --test-sign auth key: exit status 0" 0 "$rc"
check_match "p11tool --test-sign auth key: signed, verified twice" \
    "*Signing using RSA-SHA256... ok*Verifying against private key parameters... ok*Verifying against public key in the token... ok*" "$out"
out=$(gt --login --set-pin "$SIGN_PIN" --test-sign "$SIGN_KEY")
rc=$?
check_eq "p11tool --test-sign sign key (--set-pin): exit status 0" 0 "$rc"
check_match "p11tool --test-sign sign key: signed, verified twice" \
    "*Signing using RSA-SHA256... ok*Verifying against private key parameters... ok*Verifying against public key in the token... ok*" "$out"
gt --export "$AUTH_CERT" --outfile "$W/gt-auth.pem" >/dev/null
check "p11tool --export: the auth certificate, byte for byte" \
    cmp "$W/auth.der" <(openssl x509 -in "$W/gt-auth.pem" -outform DER)
GNUTLS_PIN=$AUTH_PIN gt --login --export-pubkey "$AUTH_KEY" \
    --outfile "$W/gt-auth.pub" >/dev/null
check "p11tool --export-pubkey of the auth private key: the certificate's key" \
    cmp "$W/auth.pub" "$W/gt-auth.pub"
GNUTLS_PIN=$SIGN_PIN gt --login --export-pubkey "$SIGN_KEY" \
    --outfile "$W/gt-sign.pub" >/dev/null
check "p11tool --export-pubkey of the sign private key: the certificate's key" \
    cmp "$W/sign.pub" "$W/gt-sign.pub"
out=$(gt --list-mechanisms "$AUTH_URL")
check_eq "p11tool --list-mechanisms: six, all sign" 6 \
    "$(grep -c 'keysize range (2048, 2048) \(hw \)\?sign$' <<<"$out")"

printf 'cn = "myna ecosystem test"\n' >"$W/certtool.tmpl"
out=$(GNUTLS_PIN=$AUTH_PIN run certtool --provider "$MODULE" \
    --generate-request --load-privkey "$AUTH_KEY" --template "$W/certtool.tmpl" \
    --outder --outfile "$W/gt.csr")
check "certtool: a request signed by the auth key" test -s "$W/gt.csr" ||
    diag "$out"
check "certtool's request verifies with the auth certificate's key" \
    csr_verifies "$W/gt.csr" "$W/auth.pub"

# ============================================================ 3. p11-kit
# Registration without installing anything: a module config in the user's
# ~/.config/pkcs11/modules (pkcs11.conf(5)), found through HOME and
# XDG_CONFIG_HOME.  p11-kit reads no user config in a setuid program, with
# P11_KIT_NO_USER_CONFIG set, or - "skipping user config in program running
# as root" (P11_KIT_DEBUG=conf) - when getuid() is 0.  So as root the
# p11-kit clients run in a user namespace without a uid map: getuid() is
# 65534 there, while file access and pcscd still see root.
P11HOME=$W/p11home
mkdir -p "$P11HOME/.config/pkcs11/modules"
printf '# myna: registered by tests/integration/module-ecosystem.sh\nmodule: %s\n' \
    "$MODULE" >"$P11HOME/.config/pkcs11/modules/myna.module"
as_user() {
    local env=(env -u P11_KIT_NO_USER_CONFIG HOME="$P11HOME"
        XDG_CONFIG_HOME="$P11HOME/.config")
    if [ "$(id -u)" = 0 ]; then
        run unshare --user "${env[@]}" "$@"
    else
        run "${env[@]}" "$@"
    fi
}
out=$(as_user p11-kit list-modules)
block=$(awk '/^myna: /{ f = 1; print; next } /^[^ \t]/{ f = 0 } f' <<<"$out")
diag "p11-kit list-modules (our module):" "$block"
check_eq "p11-kit list-modules: our module from the user config" \
    "myna: $MODULE" "$(head -n 1 <<<"$block")"
check_match "p11-kit list-modules: its description" \
    "*library-description: My Number Card JPKI (PC/SC)*" "$block"
check_match "p11-kit list-modules: both tokens" \
    "*token: JPKI User Authentication*token: JPKI Digital Signature*" "$block"
out=$(P11_KIT_NO_USER_CONFIG=1 run p11-kit list-modules)
case $out in
*"$MODULE"*) fail "without the user config p11-kit does not know the module" ;;
*p11-kit-trust*) pass "without the user config p11-kit does not know the module" ;;
*) fail "without the user config p11-kit lists the system modules" ;;
esac
out=$(as_user p11tool --list-tokens)
check_match "p11tool through p11-kit's config: the auth token from our module" \
    "*Label: JPKI User Authentication*Module: $MODULE*" "$out"
check_match "p11tool through p11-kit's config: the sign token from our module" \
    "*Label: JPKI Digital Signature*Module: $MODULE*" "$out"

# The proxy also loads the system's modules (OpenSC's JPKI driver, when
# installed, sees the same card): the tokens are picked by label.
out=$(as_user pkcs11-tool --module "$PROXY" -L)
diag "pkcs11-tool -L through $PROXY:" "$(grep -E '^Slot|token label' <<<"$out")"
check_match "p11-kit-proxy: auth token" "*token label*: JPKI User Authentication*" "$out"
check_match "p11-kit-proxy: sign token" "*token label*: JPKI Digital Signature*" "$out"
as_user pkcs11-tool --module "$PROXY" "${AUTH[@]}" --login --pin "$AUTH_PIN" \
    --sign -m SHA256-RSA-PKCS -i "$W/data" -o "$W/proxy-auth.sig" >/dev/null
check "p11-kit-proxy: the auth key's signature verifies" openssl dgst -sha256 \
    -verify "$W/auth.pub" -signature "$W/proxy-auth.sig" "$W/data"
as_user pkcs11-tool --module "$PROXY" "${SIGN[@]}" --login --pin "$SIGN_PIN" \
    --sign -m SHA512-RSA-PKCS -i "$W/data" -o "$W/proxy-sign.sig" >/dev/null
check "p11-kit-proxy: the sign key's signature verifies" openssl dgst -sha512 \
    -verify "$W/sign.pub" -signature "$W/proxy-sign.sig" "$W/data"

# =============================================================== 4. NSS
DB=$W/nss
mkdir -p "$DB"
printf '%s\n' "$AUTH_PIN" >"$W/nss-auth.pw"
printf '%s\n' "$SIGN_PIN" >"$W/nss-sign.pw"
run certutil -N -d "sql:$DB" --empty-password >/dev/null
out=$(run modutil -dbdir "sql:$DB" -add myna -libfile "$MODULE" -force)
check_match "modutil -add" "*Module \"myna\" added to database*" "$out"
out=$(run modutil -dbdir "sql:$DB" -list)
block=$(awk '/^ *[0-9]+\. myna$/{ f = 1 } /^ *[0-9]+\. / && !/myna$/{ f = 0 } f' <<<"$out")
diag "modutil -list (our module):" "$block"
check_match "modutil -list: the module, loaded" \
    "*library name: $MODULE*status: loaded*" "$block"
check_match "modutil -list: its slots" "*slots: * slots attached*" "$block"
check_match "modutil -list: the auth slot and token" \
    "*slot: * (JPKI auth)*token: JPKI User Authentication*" "$block"
check_match "modutil -list: the sign slot and token" \
    "*slot: * (JPKI sign)*token: JPKI Digital Signature*" "$block"
out=$(run certutil -L -d "sql:$DB" -h "JPKI User Authentication")
diag "certutil -L -h 'JPKI User Authentication':" "$out"
check_match "certutil -L: the auth certificate, with its key (u,u,u)" \
    "*JPKI User Authentication:User Authentication *u,u,u*" "$out"
check_match "certutil -L: the auth CA certificate" \
    "*JPKI User Authentication:User Authentication CA Certificate *" "$out"
check_match "certutil -L: the sign CA certificate" \
    "*JPKI User Authentication:Digital Signature CA Certificate *" "$out"
out=$(run certutil -K -d "sql:$DB" -h "JPKI User Authentication" -f "$W/nss-auth.pw")
check_eq "certutil -K (NSS logs in): the auth key" 1 \
    "$(grep -Ec 'rsa +01 +User Authentication$' <<<"$out")"
out=$(run certutil -L -d "sql:$DB" -h "JPKI Digital Signature" -f "$W/nss-sign.pw")
check_match "certutil -L after login: the sign certificate" \
    "*JPKI Digital Signature:Digital Signature *u,u,u*" "$out"
# NSS signs a certificate request with the card's key (-k: the CKA_ID).
# (p7sign refuses these certificates before signing: NSS does not know
# the critical certificatePolicies extension, as on real JPKI cards.)
run certutil -R -d "sql:$DB" -h "JPKI User Authentication" -k 01 \
    -s "CN=myna ecosystem test" -Z SHA256 -f "$W/nss-auth.pw" \
    -o "$W/nss-auth.csr" >/dev/null
check "NSS's request (auth key) verifies with the auth certificate's key" \
    csr_verifies "$W/nss-auth.csr" "$W/auth.pub"
run certutil -R -d "sql:$DB" -h "JPKI Digital Signature" -k 02 \
    -s "CN=myna ecosystem test" -Z SHA512 -f "$W/nss-sign.pw" \
    -o "$W/nss-sign.csr" >/dev/null
check "NSS's request (sign key) verifies with the sign certificate's key" \
    csr_verifies "$W/nss-sign.csr" "$W/sign.pub"

# ============================================================ 5. OpenSSH
# ssh-keygen -D lists the public keys and, since OpenSSH 8.x, the keys of
# the certificates too: the auth key and the two CA certificates' keys.
out=$(run ssh-keygen -D "$MODULE")
rc=$?
diag "ssh-keygen -D:" "$out"
check_eq "ssh-keygen -D: exit status 0" 0 "$rc"
want=$(ssh-keygen -i -m PKCS8 -f "$W/auth.pub" | cut -d' ' -f1,2)
check_eq "ssh-keygen -D: the auth key, as the certificate has it" "$want" \
    "$(grep ' User Authentication$' <<<"$out" | cut -d' ' -f1,2)"
expect=$want
for id in 03 04; do
    openssl x509 -inform DER -in "$W/ca$id.der" -pubkey -noout >"$W/ca$id.pub"
    expect+=$'\n'$(ssh-keygen -i -m PKCS8 -f "$W/ca$id.pub" | cut -d' ' -f1,2)
done
check_eq "ssh-keygen -D: exactly the auth key and the CA certificates' keys" \
    "$(sort <<<"$expect")" "$(grep '^ssh-rsa ' <<<"$out" | cut -d' ' -f1,2 | sort)"

# ==================================================== 6. a security review
out=$(p11 -I)
diag "pkcs11-tool -I:" "$out"
check_match "-I: Cryptoki version 3.0" "*Cryptoki version 3.0*" "$out"
check_match "-I: library" "*Library *My Number Card JPKI (PC/SC)*" "$out"
out=$(p11 --list-interfaces)
check_match "--list-interfaces: PKCS 11 3.0 and 2.40" \
    "*Interface 'PKCS 11'*version: 3.0*Interface 'PKCS 11'*version: 2.40*" "$out"
expected_mechs="RSA-PKCS SHA1-RSA-PKCS SHA224-RSA-PKCS SHA256-RSA-PKCS SHA384-RSA-PKCS SHA512-RSA-PKCS"
for t in AUTH SIGN; do
    declare -n tok=$t
    out=$(p11 "${tok[@]}" -M)
    mechs=$(sed -n 's/^  \([A-Z0-9-]*\), keySize={2048,2048}, /\1 /p' <<<"$out")
    check_eq "-M ($t token): exactly RSA-PKCS and SHA1..SHA512-RSA-PKCS" \
        "$expected_mechs" "$(cut -d' ' -f1 <<<"$mechs" | xargs)"
    check_eq "-M ($t token): 6 mechanisms in all" 6 \
        "$(grep -c '^  [A-Z]' <<<"$out")"
    # CKF_HW only on the raw mechanism (the hash of the others is software).
    check_eq "-M ($t token): every one 'sign' only" \
        "RSA-PKCS hw, sign|SHA1-RSA-PKCS sign|SHA224-RSA-PKCS sign|SHA256-RSA-PKCS sign|SHA384-RSA-PKCS sign|SHA512-RSA-PKCS sign" \
        "$(paste -sd'|' <<<"$mechs")"
done
out=$(p11 "${AUTH[@]}" --login --pin "$AUTH_PIN" -O --type privkey)
check_match "auth private key: sensitive, never extractable, sign only" \
    "*Usage: *sign"$'\n'"*Access: *sensitive, always sensitive, never extractable*" "$out"
out=$(p11 "${SIGN[@]}" --login --pin "$SIGN_PIN" -O --type privkey)
check_match "sign private key: sensitive, never extractable, sign only" \
    "*Usage: *sign"$'\n'"*Access: *sensitive, always sensitive, never extractable*" "$out"
check_eq "no PIN try was spent by any tool" 3/3 "$(auth_tries)"

diag "run time: ${SECONDS}s"
harness_done
