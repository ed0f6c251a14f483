#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# myna-qualify end to end, client side: real pcscd + myna-vcard + our
# PKCS#11 module + the provider + libcurl over real TLS, against
# fixed-service.py answering fixed bytes.  What is checked here is the
# client's own job (docs/eligibility-protocol.md §1, §3, §4, §6, §7):
#  * the JWS it sends verifies with openssl against the card's
#    certificate, with exactly the protocol's header and payload;
#  * PIN handling at the card: one VERIFY for a wrong PIN, none for a
#    malformed one, none on the final try or when locked, the tries left;
#  * the card removed in the middle of the flow;
#  * local checks: https only, check digits, the server certificate;
#  * hostile answers: garbage, wrong types, oversized, errors;
#  * the terminal certificate from a file and from softhsm2 (insurance
#    mode), and the card key replaced by a softhsm2 key ("any PKCS#11").
# The service's own checks are tested against myna-eligd in eligd-*.sh.

set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

harness_require
e2e_init
e2e_tls_pki "$W/tls"
harness_start_pcscd
harness_new_card c0
CARD=$HARNESS_CARD
harness_start_vcard "$CARD" --trace "$W/trace" --stats "$W/stats"
openssl x509 -inform DER -in "$CARD/auth.crt" -out "$W/auth.pem"

F=$W/fixed
INST=3410712362
base=(--cacert "$W/tls/ca.crt" --institution "$INST" --module "$E2E_MODULE")

# A fixed nonce and the eligible result of §6 for requestId "visit-1".
cat >"$W/nonce.json" <<'JSON'
{"ver":"1","nonce":"q3yJ0m3T2m6b3nZq9-vK1xWkR9pXcFh8bq4sXk3yE0U","expiresIn":60,"expiresAt":"20261124193001"}
JSON
sed 's/"requestId":"[^"]*"/"requestId":"visit-1"/' \
    "$E2E_SRC/tests/fuzz/corpus/qualify-response/eligible.json" >"$W/eligible.json"
e2e_answer "$F" /v1/nonce 201 application/json "$W/nonce.json"
e2e_answer "$F" /v1/qualification/card 200 application/json "$W/eligible.json"
e2e_start_fixed "$F"

# requests: how many requests the fixed server has received.
requests() { find "$F/requests" -name '*.req' | wc -l; }
# last_request: the body of the last request the server received.
last_request() {
    local n
    n=$(requests)
    sed '1,/^\r$/d' "$F/requests/$n.req"
}
# ------------------------------------------------------------ eligible
trace_start=$(($(wc -l <"$W/trace") + 1))
before=$(verifies)
qualify card --url "$FIXED_URL" "${base[@]}" --request-id visit-1 \
    --date 20261124 --pin-fd 3 3<<<"$MYNA_TEST_AUTH_PIN"
check_eq "eligible: exit 0" 0 "$QX_RC"
check_match "eligible: the table shows name, kana, insurer, ratio" \
    "*試験　太郎*ｼｹﾝ ﾀﾛｳ*06130488 試験健康保険組合*1234 / 5678 / 01*30 %*" "$QX_OUT"
check_eq "eligible: exactly one VERIFY at the card" 1 $(($(verifies) - before))
check_eq "eligible: two requests (nonce, card)" 2 "$(requests)"
diag "the result table:" "$QX_OUT"
N_BEFORE_SIGN=$(($(apdus_before_sign "$trace_start") - 1))

# The JWS, checked with openssl and python3's json, not with our code.
last_request >"$W/jws"
IFS=. read -r H P S <"$W/jws"
printf '%s' "$H" | b64url_decode >"$W/jws.header"
printf '%s' "$P" | b64url_decode >"$W/jws.payload"
printf '%s' "$S" | b64url_decode >"$W/jws.sig"
printf '%s.%s' "$H" "$P" >"$W/jws.input"
openssl x509 -in "$W/auth.pem" -pubkey -noout >"$W/auth.pub"
check "JWS: the signature verifies (RS256) with the card's certificate" \
    openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/jws.sig" \
    "$W/jws.input"
x5c=$(openssl x509 -in "$W/auth.pem" -outform DER | openssl base64 -A)
check_eq "JWS: the protected header is exactly alg, typ, x5c (§4)" \
    "{\"alg\":\"RS256\",\"typ\":\"myna-elig+jws\",\"x5c\":[\"$x5c\"]}" \
    "$(cat "$W/jws.header")"
payload_check=$(python3 -c '
import json, sys, time
p = json.load(open(sys.argv[1]))
assert sorted(p) == sorted(["ver", "nonce", "iat", "requestId",
    "medicalInstitutionCode", "qualificationConfirmationDate",
    "identityVerification"]), sorted(p)
assert p["ver"] == "1" and p["identityVerification"] == "pin"
assert p["nonce"] == "q3yJ0m3T2m6b3nZq9-vK1xWkR9pXcFh8bq4sXk3yE0U"
assert p["requestId"] == "visit-1"
assert p["medicalInstitutionCode"] == "3410712362"
assert p["qualificationConfirmationDate"] == "20261124"
assert isinstance(p["iat"], int) and abs(p["iat"] - time.time()) < 120
print("ok")' "$W/jws.payload" 2>&1)
check_eq "JWS: the payload has §4's members and values" ok "$payload_check"
check_match "HTTP: Content-Type application/jose" \
    "*Content-Type: application/jose*" "$(cat "$F/requests/2.req")"

qualify card --url "$FIXED_URL" "${base[@]}" --request-id visit-1 \
    --date 20261124 --pin-fd 3 --json 3<<<"$MYNA_TEST_AUTH_PIN"
check_eq "--json: the service's result as is" "$(cat "$W/eligible.json")" "$QX_OUT"

# Without --request-id a random UUID goes out; the answer echoes another
# one here, and an answer for another request is never shown.
qualify card --url "$FIXED_URL" "${base[@]}" --pin-source env:QX_PIN
QX_PIN=$MYNA_TEST_AUTH_PIN qualify card --url "$FIXED_URL" "${base[@]}" \
    --pin-source env:QX_PIN
check_eq "another requestId in the answer: exit 5" 5 "$QX_RC"
check_match "another requestId: said so" "*another requestId*" "$QX_ERR"
last_request | cut -d. -f2 | b64url_decode >"$W/p2"
check_match "the default requestId is a version 4 UUID" \
    '*"requestId":"????????-????-4???-????-????????????"*' "$(cat "$W/p2")"
check_match "the default date is today in JST" \
    "*\"qualificationConfirmationDate\":\"$(TZ=Asia/Tokyo date +%Y%m%d)\"*" \
    "$(cat "$W/p2")"
printf '%s\n' "$MYNA_TEST_AUTH_PIN" >"$W/pinfile"
qualify card --url "$FIXED_URL/" "${base[@]}" --request-id visit-1 \
    --date 20261124 --pin-source "file:$W/pinfile"
check_eq "--pin-source file: and a trailing slash in --url: exit 0" 0 "$QX_RC"

# ------------------------------------------------------------ local checks
before=$(verifies)
nreq=$(requests)
qualify card --url "http://127.0.0.1:1" "${base[@]}" --pin-fd 3 3<<<1234
check_eq "http:// URL: usage error" 2 "$QX_RC"
check_match "http:// URL: https only" "*https://*" "$QX_ERR"
qualify card --url "$FIXED_URL" --cacert "$W/tls/ca.crt" \
    --institution 3410712363 --module "$E2E_MODULE" --pin-fd 3 3<<<1234
check_eq "institution code with a wrong check digit: usage error" 2 "$QX_RC"
check_match "wrong check digit: the right one named" "*should be 2*" "$QX_ERR"
qualify card --url "$FIXED_URL" "${base[@]}" --date 20260230 --pin-fd 3 3<<<1234
check_eq "impossible --date: usage error" 2 "$QX_RC"
qualify insurance --url "$FIXED_URL" "${base[@]}" --insurer 06130489 \
    --number 5678 --branch 01 --birthdate 19800217 \
    --client-cert "$W/tls/terminal.crt" --client-key "$W/tls/terminal.key"
check_eq "insurer number with a wrong check digit: usage error" 2 "$QX_RC"
qualify insurance --url "$FIXED_URL" "${base[@]}" --insurer 06130488 \
    --number 5678 --branch 1 --birthdate 19800217 \
    --client-cert "$W/tls/terminal.crt" --client-key "$W/tls/terminal.key"
check_eq "one-digit branch number: usage error" 2 "$QX_RC"
qualify insurance --url "$FIXED_URL" "${base[@]}" --insurer 06130488 \
    --number 5678 --branch 01 --birthdate 19800217
check_eq "insurance without a terminal certificate: usage error" 2 "$QX_RC"
check_eq "local checks: no VERIFY at the card" 0 $(($(verifies) - before))
check_eq "local checks: nothing sent to the service" "$nreq" "$(requests)"

# ------------------------------------------------------------ TLS
qualify card --url "$FIXED_URL" --cacert "$W/auth.pem" \
    --institution "$INST" --module "$E2E_MODULE" --pin-fd 3 \
    3<<<"$MYNA_TEST_AUTH_PIN"
check_eq "server certificate from another CA: exit 5" 5 "$QX_RC"
check_match "server certificate: said so" "*certificate*" "$QX_ERR"
qualify card --url "https://localhost.localdomain.invalid:1" "${base[@]}" \
    --pin-fd 3 3<<<"$MYNA_TEST_AUTH_PIN"
check_eq "unreachable service: exit 5" 5 "$QX_RC"

# ------------------------------------------------------------ hostile answers
answer_card() { e2e_answer "$F" /v1/qualification/card "$@"; }
answer_nonce() { e2e_answer "$F" /v1/nonce "$@"; }
run_card() {
    qualify card --url "$FIXED_URL" "${base[@]}" --request-id visit-1 \
        --date 20261124 --pin-fd 3 3<<<"$MYNA_TEST_AUTH_PIN"
}
printf '<html><body>502 Bad Gateway</body></html>' >"$W/html"
answer_nonce 200 text/html "$W/html"
run_card
check_eq "nonce answer in HTML: exit 5" 5 "$QX_RC"
printf '{"ver":"1","nonce":12345}' >"$W/badnonce"
answer_nonce 201 application/json "$W/badnonce"
run_card
check_eq "nonce of the wrong type: exit 5" 5 "$QX_RC"
check_match "nonce of the wrong type: named" "*nonce*" "$QX_ERR"
answer_nonce 201 application/json "$W/nonce.json"
head -c 300000 /dev/zero | tr '\0' ' ' >"$W/big"
printf '{"ver":"1"}' >>"$W/big"
answer_card 200 application/json "$W/big"
run_card
check_eq "oversized answer (300000 bytes): exit 5" 5 "$QX_RC"
check_match "oversized answer: refused as too large" "*larger than*" "$QX_ERR"
printf '{"ver":"1","requestId":"visit-1","resultList":[{' >"$W/trunc"
answer_card 200 application/json "$W/trunc"
run_card
check_eq "truncated JSON: exit 5" 5 "$QX_RC"
sed 's/"name":"[^"]*"/"name":"\\u001b]0;pwned\\u0007"/' "$W/eligible.json" >"$W/esc"
answer_card 200 application/json "$W/esc"
run_card
check_eq "terminal escape in a name: exit 5" 5 "$QX_RC"
check_eq "terminal escape: nothing printed" "" "$QX_OUT"
sed 's/"insuredBranchNumber":"01"/"insuredBranchNumber":1/' "$W/eligible.json" >"$W/type"
answer_card 200 application/json "$W/type"
run_card
check_eq "a number where a string belongs: exit 5" 5 "$QX_RC"
check_match "wrong type: the member named" "*insuredBranchNumber*" "$QX_ERR"
printf '{"ver":"1","segmentOfResult":"9","errorCode":"REF-E121","errorMessage":"the nonce was already used","requestId":"visit-1"}' >"$W/e121"
answer_card 401 application/json "$W/e121"
run_card
check_eq "service error REF-E121: exit 6" 6 "$QX_RC"
check_match "service error: code and message shown" \
    "*REF-E121 the nonce was already used (HTTP 401)*" "$QX_ERR"
answer_card 500 text/html "$W/html"
run_card
check_eq "HTTP 500 with HTML: exit 5" 5 "$QX_RC"
sed 's/"requestId":"[^"]*"/"requestId":"visit-1"/' \
    "$E2E_SRC/tests/fuzz/corpus/qualify-response/no-record.json" >"$W/norecord"
answer_card 200 application/json "$W/norecord"
run_card
check_eq "no record (validity 4, REF-E001): exit 1" 1 "$QX_RC"
check_match "no record: the reason shown" "*該当資格なし*" "$QX_OUT"
sed 's/"requestId":"[^"]*"/"requestId":"visit-1"/' \
    "$E2E_SRC/tests/fuzz/corpus/qualify-response/multiple-elderly-warning.json" >"$W/multi"
answer_card 200 application/json "$W/multi"
run_card
check_eq "multiple qualifications (validity 5): exit 0" 0 "$QX_RC"
check_match "multiple: both shown, 高齢受給者証 and the warning" \
    "*複数該当*資格 1/2*  131045*20 %*資格 2/2*REF-W001*" "$QX_OUT"
answer_card 200 application/json "$W/eligible.json"

# ------------------------------------------------------------ PIN at the card
nreq=$(requests)
before=$(verifies)
qualify card --url "$FIXED_URL" "${base[@]}" --pin-fd 3 3<<<12a4
check_eq "malformed PIN (12a4): exit 3" 3 "$QX_RC"
check_match "malformed PIN: 4 digits asked" "*4 digits*" "$QX_ERR"
qualify card --url "$FIXED_URL" "${base[@]}" --pin-fd 3 3<<<12345
check_eq "malformed PIN (5 digits): exit 3" 3 "$QX_RC"
check_eq "malformed PINs: no VERIFY at the card" 0 $(($(verifies) - before))
before=$(verifies)
qualify card --url "$FIXED_URL" "${base[@]}" --pin-fd 3 3<<<9999
check_eq "wrong PIN: exit 3" 3 "$QX_RC"
check_match "wrong PIN: 2 tries left" "*wrong PIN, 2 tries left*" "$QX_ERR"
check_eq "wrong PIN: exactly one VERIFY" 1 $(($(verifies) - before))
before=$(verifies)
qualify card --url "$FIXED_URL" "${base[@]}" --pin-fd 3 3<<<9998
check_match "second wrong PIN: 1 try left" "*wrong PIN, 1 try left*" "$QX_ERR"
check_eq "second wrong PIN: exactly one VERIFY" 1 $(($(verifies) - before))
before=$(verifies)
qualify card --url "$FIXED_URL" "${base[@]}" --pin-fd 3 3<<<"$MYNA_TEST_AUTH_PIN"
check_eq "final try: exit 3" 3 "$QX_RC"
check_match "final try: refused, not tried" "*1 try left: not tried*" "$QX_ERR"
check_eq "final try: no VERIFY" 0 $(($(verifies) - before))
check_eq "PIN problems: nothing sent to the service" "$nreq" "$(requests)"
# Lock it at the card directly, then the client must not even ask.
apdu "$SELECT_JPKI" 00A4020C020018 "$(verify_apdu 0000)" >/dev/null
before=$(verifies)
qualify card --url "$FIXED_URL" "${base[@]}" --pin-source env:NO_SUCH_VAR
check_eq "locked PIN: exit 3" 3 "$QX_RC"
check_match "locked PIN: said so" "*PIN locked*" "$QX_ERR"
check_eq "locked PIN: no VERIFY, and no PIN read" 0 $(($(verifies) - before))

# ------------------------------------------------------------ card removed
harness_stop_vcard
harness_new_card c1
diag "removing the card after $N_BEFORE_SIGN APDUs, before the signature"
harness_start_vcard "$HARNESS_CARD" --trace "$W/trace" \
    --fault-remove-after "$N_BEFORE_SIGN"
nreq=$(requests)
run_card
check_eq "card removed before the signature: exit 4" 4 "$QX_RC"
check_match "card removed: said so" "*card*" "$QX_ERR"
diag "card removed: $QX_ERR"
check_eq "card removed: no signed request sent" 1 $(($(requests) - nreq))
harness_stop_vcard
qualify card --url "$FIXED_URL" "${base[@]}" --pin-fd 3 3<<<"$MYNA_TEST_AUTH_PIN"
check_eq "no card at all: exit 4" 4 "$QX_RC"
check_match "no card: said so" "*no card*" "$QX_ERR"

# ------------------------------------------------------------ softhsm2
HSMPIN=4711
e2e_softhsm qualify-test "$HSMPIN"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/hsm.key" \
    -out "$W/hsm.crt" -subj "/CN=softhsm auth key" -days 30 \
    >>"$W/softhsm.log" 2>&1 || harness_bail "cannot make the softhsm2 certificate"
e2e_softhsm_put qualify-test "$HSMPIN" 01 auth "$W/hsm.key" "$W/hsm.crt"
# the terminal's TLS key as well, for the insurance mode
e2e_softhsm_put qualify-test "$HSMPIN" 02 terminal "$W/tls/terminal.key"
qualify card --url "$FIXED_URL" --cacert "$W/tls/ca.crt" --institution "$INST" \
    --module "$SOFTHSM" --request-id visit-1 \
    --key 'pkcs11:token=qualify-test;id=%01;type=private' --pin-fd 3 3<<<"$HSMPIN"
check_eq "softhsm2 key and certificate: exit 0" 0 "$QX_RC"
last_request >"$W/jws2"
IFS=. read -r H P S <"$W/jws2"
printf '%s' "$S" | b64url_decode >"$W/jws2.sig"
printf '%s.%s' "$H" "$P" >"$W/jws2.input"
openssl x509 -in "$W/hsm.crt" -pubkey -noout >"$W/hsm.pub"
check "softhsm2: the JWS verifies with the token's certificate" \
    openssl dgst -sha256 -verify "$W/hsm.pub" -signature "$W/jws2.sig" \
    "$W/jws2.input"
x5c=$(openssl x509 -in "$W/hsm.crt" -outform DER | openssl base64 -A)
check_match "softhsm2: x5c holds the token's certificate" "*$x5c*" \
    "$(printf '%s' "$H" | b64url_decode)"

# ------------------------------------------------------------ insurance mode
# A second fixed server that asks for a terminal certificate.
F2=$W/fixed2
sed 's/"requestId":"[^"]*"/"requestId":"visit-2"/; s/"referenceClassification":"1"/"referenceClassification":"2"/' \
    "$W/eligible.json" >"$W/eligible2.json"
e2e_answer "$F2" /v1/qualification/insurance 200 application/json "$W/eligible2.json"
F_SAVE=$F
e2e_start_fixed "$F2" "$W/tls/ca.crt"
F=$F2
ins=(insurance --url "$FIXED_URL" --cacert "$W/tls/ca.crt" --institution "$INST"
    --insurer 06130488 --symbol 1234 --number 5678 --branch 01
    --birthdate 19800217 --date 20261124 --request-id visit-2)
qualify "${ins[@]}" --client-cert "$W/tls/terminal.crt" \
    --client-key "$W/tls/terminal.key"
check_eq "insurance, terminal certificate from files: exit 0" 0 "$QX_RC"
check_match "insurance: the table says 被保険者証情報" "*2 被保険者証情報*" "$QX_OUT"
check_match "insurance: the terminal certificate was presented" \
    "*terminal-01*" "$(cat "$F/requests/$(requests).peer" 2>/dev/null)"
body_check=$(last_request | python3 -c '
import json, sys
b = json.load(sys.stdin)
assert b == {"ver": "1", "requestId": "visit-2",
    "medicalInstitutionCode": "3410712362",
    "qualificationConfirmationDate": "20261124", "insurerNumber": "06130488",
    "insuredCardSymbol": "1234", "insuredIdentificationNumber": "5678",
    "insuredBranchNumber": "01", "birthdate": "19800217",
    "limitApplicationCertificateRelatedConsFlg": "0"}, b
print("ok")' 2>&1)
check_eq "insurance: the body is §5's, exactly" ok "$body_check"
printf '%s\n' "$HSMPIN" >"$W/hsmpin"
chmod 600 "$W/hsmpin"
nreq=$(requests)
qualify "${ins[@]}" --module "$SOFTHSM" --client-cert "$W/tls/terminal.crt" \
    --client-key "pkcs11:token=qualify-test;id=%02;type=private?pin-source=file:$W/hsmpin"
check_eq "insurance, terminal key in softhsm2 (TLS 1.2): exit 0" 0 "$QX_RC"
check_match "insurance: the token's key answered the handshake" \
    "*terminal-01*" "$(cat "$F/requests/$(requests).peer" 2>/dev/null)"
F=$F_SAVE

harness_done
