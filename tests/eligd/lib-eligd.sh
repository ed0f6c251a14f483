# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/eligd/lib-eligd.sh - a real myna-eligd for tests (sourced after
# tests/harness/lib.sh and harness_init).  No pcscd is needed: the card's
# key and certificate come straight from `myna-vcard create`.
#
#   eligd_server_pki                 server CA + localhost certificate,
#                                    terminal CA + one terminal certificate
#   eligd_start ARG...               myna-eligd serve on 127.0.0.1, any port;
#                                    sets ELIGD_URL, ELIGD_PID, ELIGD_LOG
#   eligd_stop                       SIGTERM, wait; sets ELIGD_STATUS
#   eligd_jws CARDDIR PAYLOAD [HEADER]  a compact JWS signed with the card's
#                                    auth key (openssl dgst), on stdout
#   eligd_post PATH CTYPE FILE [CURL-ARG...]  prints "STATUS BODY"
#   eligd_nonce                      a fresh nonce from the service
#
# Files: $HARNESS_DIR/tls/{server-ca.pem,server.pem,server.key,
# term-ca.pem,term.pem,term.key}.

: "${MYNA_ELIGD:=$top_builddir/tools/myna-eligd}"
ELIGD_PID=
ELIGD_URL=
ELIGD_LOG=
ELIGD_STATUS=
ELIGD_NSTART=0

# b64url: base64url without padding (RFC 7515 §2) of stdin.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

eligd_server_pki() {
    local d=$HARNESS_DIR/tls log=$HARNESS_DIR/tls.log
    mkdir -p "$d"
    {
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
            -subj '/CN=myna test server CA' -keyout "$d/server-ca.key" \
            -out "$d/server-ca.pem" &&
            openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' \
                -keyout "$d/server.key" -out "$d/server.csr" &&
            openssl x509 -req -in "$d/server.csr" -CA "$d/server-ca.pem" \
                -CAkey "$d/server-ca.key" -CAcreateserial -days 30 \
                -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') \
                -out "$d/server.pem" &&
            openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
                -subj '/CN=myna test terminal CA' -keyout "$d/term-ca.key" \
                -out "$d/term-ca.pem" &&
            openssl req -newkey rsa:2048 -nodes \
                -subj '/O=Test Clinic/CN=terminal 1' \
                -keyout "$d/term.key" -out "$d/term.csr" &&
            openssl x509 -req -in "$d/term.csr" -CA "$d/term-ca.pem" \
                -CAkey "$d/term-ca.key" -CAcreateserial -days 30 \
                -extfile <(printf 'extendedKeyUsage=clientAuth\n') \
                -out "$d/term.pem"
    } >"$log" 2>&1 || {
        diag_file "$log"
        harness_bail "cannot make the test TLS certificates"
    }
}

# eligd_start ARG...: serve with the test TLS files plus ARG; waits for the
# ready file (the bound port).
eligd_start() {
    local d=$HARNESS_DIR/tls i ready
    ELIGD_NSTART=$((ELIGD_NSTART + 1))
    ready=$HARNESS_DIR/eligd.$ELIGD_NSTART.port
    ELIGD_LOG=$HARNESS_DIR/eligd.$ELIGD_NSTART.log
    "$MYNA_ELIGD" serve --listen 127.0.0.1:0 --ready-file "$ready" \
        --cert "$d/server.pem" --key "$d/server.key" "$@" \
        >"$ELIGD_LOG" 2>&1 &
    ELIGD_PID=$!
    HARNESS_VCARD_PIDS+=("$ELIGD_PID") # stopped by harness_cleanup too
    for ((i = 0; i < HARNESS_TIMEOUT * 10; i++)); do
        if [ -s "$ready" ]; then
            ELIGD_URL=https://localhost:$(cat "$ready")
            return 0
        fi
        if ! kill -0 "$ELIGD_PID" 2>/dev/null; then
            wait "$ELIGD_PID"
            ELIGD_STATUS=$?
            harness__forget_vcard "$ELIGD_PID"
            ELIGD_PID=
            diag_file "$ELIGD_LOG"
            return 1
        fi
        sleep 0.1
    done
    diag_file "$ELIGD_LOG"
    harness_bail "myna-eligd did not write its ready file"
}

eligd_stop() {
    [ -n "$ELIGD_PID" ] || return 0
    harness__stop_pid "$ELIGD_PID" 10
    ELIGD_STATUS=$HARNESS_STOP_STATUS
    harness__forget_vcard "$ELIGD_PID"
    ELIGD_PID=
}

# eligd_jws CARDDIR PAYLOAD [HEADER [KEY]]: header defaults to RS256 with
# the card's auth certificate; KEY to the card's auth key.
eligd_jws() {
    local card=$1 payload=$2 header=${3:-} key=${4:-$1/auth.key.pem} x5c h p s
    if [ -z "$header" ]; then
        x5c=$(openssl x509 -in "$card/auth.crt" -outform DER | openssl base64 -A)
        header='{"alg":"RS256","typ":"myna-elig+jws","x5c":["'$x5c'"]}'
    fi
    h=$(printf '%s' "$header" | b64url)
    p=$(printf '%s' "$payload" | b64url)
    s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$key" | b64url)
    printf '%s.%s.%s' "$h" "$p" "$s"
}

# eligd_post PATH CTYPE FILE [CURL-ARG...]: "STATUS BODY" on one line.
eligd_post() {
    local path=$1 ctype=$2 file=$3 out=$HARNESS_DIR/curl.out code
    shift 3
    code=$(curl -sS --max-time 20 --cacert "$HARNESS_DIR/tls/server-ca.pem" \
        -H "Content-Type: $ctype" --data-binary @"$file" \
        -o "$out" -w '%{http_code}' "$@" "$ELIGD_URL$path" 2>>"$HARNESS_DIR/curl.err")
    printf '%s %s\n' "$code" "$(tr -d '\n' <"$out" 2>/dev/null)"
}

eligd_nonce() {
    curl -sS --max-time 20 --cacert "$HARNESS_DIR/tls/server-ca.pem" \
        -X POST "$@" "$ELIGD_URL/v1/nonce" | jq -r .nonce
}
