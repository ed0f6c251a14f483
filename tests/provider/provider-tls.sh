#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# TLS 1.2 client authentication with the card's key through the "myna"
# provider (issue #4): openssl s_server on loopback asks for a client
# certificate issued by the card's authentication CA; openssl s_client
# signs the CertificateVerify with the card (PKCS#1 v1.5 only).
#  1. -client_sigalgs RSA+SHA256:RSA+SHA384: the handshake completes and
#     the server sees the card's certificate;
#  2. default sigalgs: libssl 3.0 picks rsa_pss_rsae_* for an RSA key and
#     nothing a provider reports stops it; the card cannot do PSS, so the
#     handshake fails with a clear error naming PSS (no hang, no crash);
#  3. default command line, but the openssl.cnf snippet of
#     docs/myna-provider.cnf (ssl_conf: ClientSignatureAlgorithms) loaded:
#     the handshake completes (and without that line it fails again).
# TLS 1.3 cannot work with such a card at all (myna-provider(7), "TLS").

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

TOP=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
SRC=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
PROVDIR=${MYNA_PROVIDER_DIR:-$TOP/provider/.libs}
MODULE=${MYNA_PKCS11_MODULE:-$TOP/pkcs11/.libs/myna-pkcs11.so}
SNIPPET=$SRC/docs/myna-provider.cnf
[ -f "$PROVDIR/myna.so" ] || harness_bail "provider not built: $PROVDIR/myna.so"
[ -f "$SNIPPET" ] || harness_bail "missing $SNIPPET"
command -v openssl >/dev/null 2>&1 ||
    harness_unavailable openssl "not installed"
[ -f "$MODULE" ] || harness_unavailable myna-pkcs11 "$MODULE not built"

harness_init
harness_require
W=$HARNESS_DIR
P=(-provider-path "$PROVDIR" -provider myna -provider default)
SERVER_PID=

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    harness__stop_pid "$SERVER_PID" 5
    SERVER_PID=
}
trap 'rc=$?; stop_server; (exit $rc); harness_cleanup' EXIT

harness_start_pcscd
harness_new_card tls
harness_start_vcard "$HARNESS_CARD"
VPCD_PORT=$HARNESS_PORT
harness_free_port
TLS_PORT=$HARNESS_PORT
HARNESS_PORT=$VPCD_PORT

export MYNA_PROVIDER_MODULE=$MODULE
TOK='token=JPKI%20User%20Authentication'
KEY="pkcs11:$TOK;id=%01;type=private?pin-value=$MYNA_TEST_AUTH_PIN"

check "the card's authentication certificate (id 01)" \
    timeout 60 openssl storeutl "${P[@]}" -certs -out "$W/auth.pem" \
    "pkcs11:$TOK;id=%01;type=cert"
check "the card's authentication CA certificate (id 03)" \
    timeout 60 openssl storeutl "${P[@]}" -certs -out "$W/authca.pem" \
    "pkcs11:$TOK;id=%03;type=cert"
check "the CA issued the card's certificate" \
    openssl verify -CAfile "$W/authca.pem" "$W/auth.pem"
check "a throwaway server certificate" \
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/server.key" \
    -out "$W/server.pem" -subj /CN=localhost -days 1

# -www answers "GET /" with the session, including the client certificate.
openssl s_server -accept "127.0.0.1:$TLS_PORT" -tls1_2 \
    -cert "$W/server.pem" -key "$W/server.key" -Verify 1 \
    -CAfile "$W/authca.pem" -www >"$W/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    harness__port_busy "$TLS_PORT" && break
    sleep 0.1
done
harness__port_busy "$TLS_PORT" ||
    harness_bail "s_server did not listen on $TLS_PORT"

# client NAME [s_client ARG...]: one connection, GET /, output in $W/NAME
client() {
    local name=$1
    shift
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout 60 openssl s_client -connect "127.0.0.1:$TLS_PORT" -tls1_2 \
            -cert "$W/auth.pem" -key "$KEY" -ign_eof "$@" \
            >"$W/$name.out" 2>&1
    echo $? >"$W/$name.rc"
}
NL=$'\n'
cn=$(openssl x509 -in "$W/auth.pem" -noout -subject -nameopt multiline |
    sed -n 's/^ *commonName *= *//p')

# 1. PKCS#1 v1.5 sigalgs on the command line.
client pkcs1 "${P[@]}" -client_sigalgs RSA+SHA256:RSA+SHA384
check_eq "client_sigalgs RSA+SHA256: s_client exits 0" 0 "$(cat "$W/pkcs1.rc")"
out=$(cat "$W/pkcs1.out")
check_match "client_sigalgs RSA+SHA256: handshake done (TLSv1.2)" \
    "*Protocol  : TLSv1.2*Verify return code*" "$out"
check_match "client_sigalgs RSA+SHA256: the server saw the card's certificate" \
    "*Client certificate*Subject:*CN=$cn*" "$out"
# The -www page is the server's view: its peer (the card) signed with
# PKCS#1 v1.5 ("RSA", not "RSA-PSS").
page=$(sed -n '/^HTTP\/1.0 200/,$p' <<<"$out")
check_match "client_sigalgs RSA+SHA256: the card signed with RSA PKCS#1" \
    "*Peer signature type: RSA${NL}*" "$page"

# 2. Default sigalgs: libssl chooses RSA-PSS, the card cannot.
client pss "${P[@]}"
rc=$(cat "$W/pss.rc")
out=$(cat "$W/pss.out")
check_eq "default sigalgs: s_client fails (no hang: not 124)" 1 \
    $((rc != 0 && rc != 124 && rc < 128))
check_match "default sigalgs: the error names PSS" \
    "*does not offer CKM_RSA_PKCS_PSS*" "$out"
diag "default sigalgs: $(grep -m1 'PSS' <<<"$out")"

# 3. Default command line, the shipped ssl_conf snippet in openssl.cnf.
{
    printf 'openssl_conf = openssl_init\n\n[openssl_init]\n'
    printf 'providers = provider_sect\nssl_conf = ssl_sect\n\n'
    printf '[provider_sect]\ndefault = default_sect\nmyna = myna_sect\n\n'
    printf '[default_sect]\nactivate = 1\n\n'
    printf '[myna_sect]\nmodule = %s/myna.so\n' "$PROVDIR"
    printf 'pkcs11-module = %s\nactivate = 1\n\n' "$MODULE"
    sed -n '/^\[ssl_sect\]/,$p' "$SNIPPET"
} >"$W/openssl.cnf"
OPENSSL_CONF=$W/openssl.cnf client conf
check_eq "openssl.cnf ssl_conf: s_client exits 0" 0 "$(cat "$W/conf.rc")"
out=$(cat "$W/conf.out")
check_match "openssl.cnf ssl_conf: handshake done (TLSv1.2)" \
    "*Protocol  : TLSv1.2*Verify return code*" "$out"
check_match "openssl.cnf ssl_conf: the server saw the card's certificate" \
    "*Client certificate*Subject:*CN=$cn*" "$out"
# The same configuration without the ssl_conf line: PSS again.
sed '/^ssl_conf = /d' "$W/openssl.cnf" >"$W/openssl-nossl.cnf"
OPENSSL_CONF=$W/openssl-nossl.cnf client noconf
check_match "openssl.cnf without ssl_conf: PSS refused again" \
    "*does not offer CKM_RSA_PKCS_PSS*" "$(cat "$W/noconf.out")"

stop_server
diag "client certificate: CN=$cn"
harness_done
