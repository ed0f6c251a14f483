# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/e2e/lib.sh - what the end-to-end tests of the eligibility check
# share, on top of tests/harness/lib.sh (sourced here): the client, a TLS
# server certificate for 127.0.0.1 made with openssl, the fixed-answer
# HTTPS server (fixed-service.py), and a runner that keeps the client's
# exit status, stdout and stderr apart.
#
#   e2e_init                    harness_init + our own cleanup (servers)
#   e2e_tls_pki DIR             DIR/ca.crt, DIR/server.{crt,key},
#                               DIR/terminal.{crt,key} (client cert)
#   e2e_start_fixed DIR         fixed-service.py on DIR; sets FIXED_URL
#   e2e_start_relay DIR URL CA  fixed-service.py --forward: records each
#                               request in DIR/requests and relays it to
#                               the service at URL; sets FIXED_URL
#                               (TLS: $E2E_TLS_CERT/$E2E_TLS_KEY, default
#                               DIR/tls/server.{crt,key} of e2e_tls_pki)
#   e2e_answer DIR PATH STATUS TYPE BODYFILE   what it answers to PATH
#   qualify ARG...              run myna-qualify; sets QX_RC, QX_OUT, QX_ERR
#   verifies                    VERIFY commands in $W/trace so far
#   apdus_before_sign LINE      APDUs in $W/trace from LINE on before the
#                               first signature command
#   e2e_softhsm LABEL PIN       a softhsm2 token in $W/tokens; sets
#                               SOFTHSM (the module) and SOFTHSM2_CONF
#   e2e_softhsm_put LABEL PIN ID NAME KEY [CERT]
#                               a PEM key (and certificate) into the token

# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"

E2E_TOP=${top_builddir:-$HARNESS_TOP_SRCDIR}
E2E_SRC=${top_srcdir:-$HARNESS_TOP_SRCDIR}
QUALIFY=${MYNA_QUALIFY:-$E2E_TOP/tools/myna-qualify}
E2E_MODULE=${MYNA_PKCS11_MODULE:-$E2E_TOP/pkcs11/.libs/myna-pkcs11.so}
E2E_PROVDIR=${MYNA_PROVIDER_DIR:-$E2E_TOP/provider/.libs}
E2E_PIDS=()

e2e_init() {
    [ -x "$QUALIFY" ] || harness_bail "$QUALIFY is not built"
    [ -f "$E2E_PROVDIR/myna.so" ] || harness_bail "provider not built: $E2E_PROVDIR/myna.so"
    [ -f "$E2E_MODULE" ] || harness_bail "module not built: $E2E_MODULE"
    harness_init
    trap e2e_cleanup EXIT
    W=$HARNESS_DIR
    # The client loads the provider from the build tree.
    export OPENSSL_MODULES=$E2E_PROVDIR
}

e2e_cleanup() {
    local rc=$? pid
    for pid in "${E2E_PIDS[@]}"; do
        harness__stop_pid "$pid" 5
    done
    (exit "$rc")
    harness_cleanup
}

# e2e_tls_pki DIR: a CA, a server certificate for 127.0.0.1/localhost and
# a terminal (client) certificate, all with openssl.
e2e_tls_pki() {
    local d=$1
    mkdir -p "$d"
    {
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" \
            -out "$d/ca.crt" -subj "/O=myna test/CN=test TLS CA" -days 30 &&
            openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" \
                -out "$d/server.csr" -subj "/CN=localhost" &&
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
                >"$d/server.ext" &&
            openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" \
                -CAkey "$d/ca.key" -CAcreateserial -days 30 \
                -extfile "$d/server.ext" -out "$d/server.crt" &&
            openssl req -newkey rsa:2048 -nodes -keyout "$d/terminal.key" \
                -out "$d/terminal.csr" -subj "/O=Test Clinic/CN=terminal-01" &&
            printf 'extendedKeyUsage=clientAuth\n' >"$d/terminal.ext" &&
            openssl x509 -req -in "$d/terminal.csr" -CA "$d/ca.crt" \
                -CAkey "$d/ca.key" -CAcreateserial -days 30 \
                -extfile "$d/terminal.ext" -out "$d/terminal.crt"
    } >>"$W/pki.log" 2>&1 || {
        diag_file "$W/pki.log"
        harness_bail "cannot make the TLS test certificates"
    }
}

# e2e_answer DIR PATH STATUS TYPE BODYFILE: the fixed server answers
# POST PATH with this status, Content-Type and body.
e2e_answer() {
    local dir=$1 path=$2 status=$3 type=$4 body=$5 f
    f=$dir/${path#/}.http
    mkdir -p "$(dirname "$f")"
    {
        printf 'HTTP/1.1 %s X\r\nContent-Type: %s\r\n' "$status" "$type"
        printf 'Content-Length: %s\r\nConnection: close\r\n\r\n' \
            "$(wc -c <"$body")"
        cat "$body"
    } >"$f"
}

# e2e_start_fixed DIR [CLIENT-CA]: the fixed-answer server; FIXED_URL.
e2e_start_fixed() {
    e2e__start_py "$1" ${2:+--client-ca "$2"}
}

# e2e_start_relay DIR URL CA: the recording relay to URL; FIXED_URL.
e2e_start_relay() {
    e2e__start_py "$1" --forward "$2" --forward-ca "$3"
}

e2e__start_py() {
    local dir=$1 i
    shift
    command -v python3 >/dev/null 2>&1 ||
        harness_unavailable python3 "python3 not installed"
    mkdir -p "$dir"
    rm -f "$dir/port"
    python3 "$E2E_SRC/tests/e2e/fixed-service.py" --dir "$dir" \
        --cert "${E2E_TLS_CERT:-$W/tls/server.crt}" \
        --key "${E2E_TLS_KEY:-$W/tls/server.key}" \
        --port-file "$dir/port" "$@" \
        >>"$W/fixed.log" 2>&1 &
    E2E_PIDS+=("$!")
    for ((i = 0; i < 100; i++)); do
        [ -s "$dir/port" ] && break
        sleep 0.1
    done
    [ -s "$dir/port" ] || harness_bail "fixed-service.py did not start"
    FIXED_URL=https://127.0.0.1:$(cat "$dir/port")
}

# qualify ARG...: run the client with a time limit; QX_RC, QX_OUT, QX_ERR.
qualify() {
    local n=$((${QX_N:-0} + 1))
    QX_N=$n
    {
        printf '$ myna-qualify'
        printf ' %q' "$@"
        echo
    } >>"$W/qualify.log"
    timeout 120 "$QUALIFY" "$@" >"$W/qx.$n.out" 2>"$W/qx.$n.err"
    QX_RC=$?
    QX_OUT=$(cat "$W/qx.$n.out")
    QX_ERR=$(cat "$W/qx.$n.err")
    cat "$W/qx.$n.out" "$W/qx.$n.err" >>"$W/qualify.log"
    echo "exit $QX_RC" >>"$W/qualify.log"
}

verifies() {
    if [ -f "$W/trace" ]; then grep -c '^> 00200080 \*\*' "$W/trace"; else echo 0; fi
}

# apdus_before_sign LINE: the position (1-based) of the first signature
# command (80 2A) among the APDUs of $W/trace from line LINE on.
apdus_before_sign() {
    tail -n +"$1" "$W/trace" | grep '^> ' | grep -n -m1 '^> 802A' | cut -d: -f1
}

# e2e_softhsm LABEL PIN: a fresh softhsm2 token of its own in $W/tokens
# (the second PKCS#11 stack, "any PKCS#11").  Sets SOFTHSM, exports
# SOFTHSM2_CONF.
e2e_softhsm() {
    local t
    SOFTHSM=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
    for t in softhsm2-util pkcs11-tool; do
        command -v "$t" >/dev/null 2>&1 || harness_unavailable "$t" "not installed"
    done
    [ -f "$SOFTHSM" ] || harness_unavailable softhsm2 "$SOFTHSM missing"
    export SOFTHSM2_CONF=$W/softhsm2.conf
    mkdir -p "$W/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$W/tokens" >"$SOFTHSM2_CONF"
    softhsm2-util --init-token --free --label "$1" --so-pin 87654321 \
        --pin "$2" >>"$W/softhsm.log" 2>&1 || {
        diag_file "$W/softhsm.log"
        harness_bail "cannot make the softhsm2 token $1"
    }
}

# e2e_softhsm_put LABEL PIN ID NAME KEY [CERT]: a PEM private key (and its
# PEM certificate) into the token under the hex ID and the label NAME.
e2e_softhsm_put() {
    local label=$1 pin=$2 id=$3 name=$4 key=$5 cert=${6:-}
    local tok=(--module "$SOFTHSM" --token-label "$label" --login --pin "$pin")
    {
        openssl pkcs8 -topk8 -nocrypt -in "$key" -outform DER \
            -out "$W/$name.key.der" &&
            pkcs11-tool "${tok[@]}" --write-object "$W/$name.key.der" \
                --type privkey --id "$id" --label "$name" &&
            if [ -n "$cert" ]; then
                openssl x509 -in "$cert" -outform DER -out "$W/$name.crt.der" &&
                    pkcs11-tool "${tok[@]}" --write-object "$W/$name.crt.der" \
                        --type cert --id "$id" --label "$name"
            fi
    } >>"$W/softhsm.log" 2>&1 || {
        diag_file "$W/softhsm.log"
        harness_bail "cannot put $name into the softhsm2 token $label"
    }
}

# b64url_decode: stdin base64url (no padding) to stdout bytes.
b64url_decode() {
    local s
    s=$(tr '_-' '/+')
    case $((${#s} % 4)) in
    2) s=$s== ;;
    3) s=$s= ;;
    esac
    printf '%s' "$s" | openssl base64 -d -A
}
