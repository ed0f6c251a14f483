#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The guides of docs/guides/ that module-ecosystem.sh does not already run,
# step by step as the guides write them, through pcscd + myna-vcard:
#   openssh.md         ssh -I: a real login to a private sshd on loopback
#                      with the card's auth key in authorized_keys, the PIN
#                      from SSH_ASKPASS (as a desktop would ask for it);
#   p11-kit-remote.md  p11-kit server on the card's machine, pkcs11-tool
#                      through p11-kit-client.so signs with the card;
#   java.md            SunPKCS11: keytool lists the auth key and
#                      certificate, and makes a CSR the card signs.
# (p11-kit, NSS, GnuTLS and ssh-keygen -D: module-ecosystem.sh; OpenSSL:
# tests/provider/.)  PINs go through files and askpass, never argv.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

TOP=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
MODULE=${MYNA_PKCS11_MODULE:-$TOP/pkcs11/.libs/myna-pkcs11.so}
[ -f "$MODULE" ] || harness_bail "module not built: $MODULE"
harness_require ssh ssh-keygen p11-kit pkcs11-tool keytool openssl
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || harness_unavailable sshd "not installed (openssh-server)"
CLIENT=$(pkg-config --variable=p11_module_path p11-kit-1 2>/dev/null)/p11-kit-client.so
[ -f "$CLIENT" ] || harness_unavailable p11-kit-client.so "$CLIENT missing"
harness_init
harness_start_pcscd
harness_new_card guides
CARD=$HARNESS_CARD
harness_start_vcard "$CARD"
W=$HARNESS_DIR
openssl x509 -in "$CARD/auth.crt" -pubkey -noout >"$W/auth.pub"
printf '%s\n' "$MYNA_TEST_AUTH_PIN" >"$W/pin"
chmod 600 "$W/pin"

# A free TCP port of our own (harness_free_port sets HARNESS_PORT, which
# the running card uses).
free_port() {
    local keep=$HARNESS_PORT
    harness_free_port
    PORT=$HARNESS_PORT
    HARNESS_PORT=$keep
}

# ------------------------------------------------------------ openssh.md
mkdir -p "$W/ssh" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$W/ssh/host_key"
# The guide: the line labelled "User Authentication" goes to authorized_keys.
ssh-keygen -D "$MODULE" 2>"$W/ssh/keygen.err" |
    grep ' User Authentication$' >"$W/ssh/authorized_keys"
check_eq "openssh: ssh-keygen -D gives one 'User Authentication' key" 1 \
    "$(wc -l <"$W/ssh/authorized_keys")"
free_port
cat >"$W/ssh/sshd_config" <<EOC
Port $PORT
ListenAddress 127.0.0.1
HostKey $W/ssh/host_key
AuthorizedKeysFile $W/ssh/authorized_keys
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
StrictModes no
PidFile $W/ssh/sshd.pid
EOC
"$SSHD" -f "$W/ssh/sshd_config" -E "$W/ssh/sshd.log" ||
    harness_bail "sshd did not start: $(cat "$W/ssh/sshd.log")"
for _ in $(seq 50); do [ -s "$W/ssh/sshd.pid" ] && break; sleep 0.1; done
# Daemons of our own die with the test; the test's exit status survives.
EXTRA_PIDS=()
guides_cleanup() {
    local rc=$? p
    for p in "${EXTRA_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    (exit "$rc")
    harness_cleanup
}
trap guides_cleanup EXIT
EXTRA_PIDS+=("$(cat "$W/ssh/sshd.pid")")
cat >"$W/ssh/askpass" <<EOA
#!/bin/sh
echo "\$*" >>"$W/ssh/askpass.log"
cat "$W/pin"
EOA
chmod +x "$W/ssh/askpass"
ssh_card() {
    SSH_ASKPASS=$W/ssh/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=: \
        timeout 60 ssh -F /dev/null -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o BatchMode=no -o LogLevel=ERROR \
        -o PubkeyAuthentication=yes -o PasswordAuthentication=no \
        -I "$MODULE" -p "$PORT" root@127.0.0.1 "$@" </dev/null
}
out=$(ssh_card 'echo logged-in-as-$(id -un)' 2>&1)
check_eq "openssh: ssh -I logs in with the card's auth key" \
    logged-in-as-root "$out"
check_match "openssh: the PIN prompt names the token" \
    "*JPKI User Authentication*" "$(cat "$W/ssh/askpass.log" 2>/dev/null)"
check_match "openssh: sshd accepted the RSA key" "*Accepted publickey*RSA*" \
    "$(cat "$W/ssh/sshd.log")"
printf '0000\n' >"$W/pin"
out=$(ssh_card true 2>&1)
check_eq "openssh: a wrong PIN: no login" 255 $?
check_eq "openssh: ssh sent the wrong PIN once (2 tries left)" 2 \
    "$("$MYNA_VCARD" status --card "$CARD" | sed -n 's|^auth_tries=\([0-9]\)/3|\1|p')"
printf '%s\n' "$MYNA_TEST_AUTH_PIN" >"$W/pin"
kill "$(cat "$W/ssh/sshd.pid")"

# ------------------------------------------------------------ p11-kit-remote.md
p11-kit server -s -n "$W/p11-kit.sock" --provider "$MODULE" \
    "pkcs11:token=JPKI%20User%20Authentication" >"$W/p11-kit.env" \
    2>"$W/p11-kit.err"
check_eq "p11-kit server: started" 0 $?
# shellcheck disable=SC1090 # written by p11-kit server -s
. "$W/p11-kit.env"
EXTRA_PIDS+=("$P11_KIT_SERVER_PID")
out=$(timeout 60 pkcs11-tool --module "$CLIENT" -L 2>&1)
check_match "p11-kit remote: the client sees the auth token" \
    "*token label*: JPKI User Authentication*" "$out"
check_eq "p11-kit remote: and only the token that was exported" 0 \
    "$(grep -c 'JPKI Digital Signature' <<<"$out")"
printf 'p11-kit remote data\n' >"$W/data"
timeout 60 pkcs11-tool --module "$CLIENT" --login --pin "$MYNA_TEST_AUTH_PIN" \
    --sign -m SHA256-RSA-PKCS --id 01 -i "$W/data" -o "$W/remote.sig" \
    >"$W/remote.log" 2>&1
check "p11-kit remote: the card's signature through the socket verifies" \
    openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/remote.sig" \
    "$W/data"
kill "$P11_KIT_SERVER_PID"
unset P11_KIT_SERVER_ADDRESS P11_KIT_SERVER_PID

# ------------------------------------------------------------ java.md
cat >"$W/myna-auth.cfg" <<EOC
name = myna-auth
library = $MODULE
slotListIndex = 0
EOC
KT=(keytool -keystore NONE -storetype PKCS11 -addprovider SunPKCS11
    -providerArg "$W/myna-auth.cfg" -storepass:file "$W/pin")
out=$(timeout 120 "${KT[@]}" -list 2>&1)
check_match "java: keytool lists the auth key entry" \
    "*User Authentication, PrivateKeyEntry*" "$out"
timeout 120 "${KT[@]}" -certreq -alias "User Authentication" \
    -sigalg SHA256withRSA -file "$W/java.csr" >"$W/java.log" 2>&1
check "java: keytool -certreq made a request" test -s "$W/java.csr"
check "java: the card signed the request (openssl req -verify)" \
    openssl req -in "$W/java.csr" -verify -noout
check_eq "java: the request's key is the card's" \
    "$(openssl pkey -pubin -in "$W/auth.pub" -outform DER | sha256sum)" \
    "$(openssl req -in "$W/java.csr" -pubkey -noout |
        openssl pkey -pubin -outform DER | sha256sum)"
harness_done
