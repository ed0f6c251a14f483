#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The eligibility check end to end, every part real (issue #5): a private
# pcscd + myna-vcard + our PKCS#11 module + the provider + libcurl
# (myna-qualify) against myna-eligd on loopback HTTPS, with a JPKI test
# PKI made by the openssl CLI (tests/eligd/pki.sh: `openssl ca`, CRLs, an
# `openssl ocsp` responder) around myna-vcard's CA, and softhsm2 as a
# second PKCS#11 stack.  Each case checks the client's exit status
# (docs/myna-qualify.1), what it printed (the code of
# docs/eligibility-protocol.md §6/§7) and, where the service saw the
# request, its audit line (§9).  The client's own checks against fixed
# answers are in qualify-client.sh, the service's against hand-made
# requests in tests/eligd/eligd.sh and trust.sh.

set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../eligd/lib-eligd.sh
. "$E2E_SRC/tests/eligd/lib-eligd.sh"
# shellcheck source-path=SCRIPTDIR source=../eligd/pki.sh
. "$E2E_SRC/tests/eligd/pki.sh"

harness_require curl jq python3
[ -x "$MYNA_ELIGD" ] || harness_unavailable myna-eligd "$MYNA_ELIGD not built"
e2e_init
eligd_server_pki
harness_start_pcscd
TLS=$W/tls
E2E_TLS_CERT=$TLS/server.pem # the relay shows the service's certificate
E2E_TLS_KEY=$TLS/server.key
INST=3410712362
TERM=(--client-cert "$TLS/term.pem" --client-key "$TLS/term.key")
TERM_CURL=(--cert "$TLS/term.pem" --key "$TLS/term.key")
TERM_SUBJECT='"subject":"CN=terminal 1,O=Test Clinic"'

# ------------------------------------------------------------ the people
# Cards from myna-vcard's test PKI, whose CA becomes generation "jpki" of
# an `openssl ca` PKI, so that certificates can be re-issued (expired,
# revoked, known to the OCSP responder) for the cards' own keys.
harness_new_card alice 0 && ALICE=$HARNESS_CARD
harness_new_card bob 1 && BOB=$HARNESS_CARD
harness_new_card carol 2 && CAROL=$HARNESS_CARD
harness_new_card dave 3 && DAVE=$HARNESS_CARD
harness_new_card expired 0 && EXPIRED=$HARNESS_CARD
harness_new_card crlrev 0 && CRLREV=$HARNESS_CARD
harness_new_card ocspok 0 && OCSPOK=$HARNESS_CARD
harness_new_card ocsprev 0 && OCSPREV=$HARNESS_CARD
harness_new_card ocspdown 0 && OCSPDOWN=$HARNESS_CARD
harness_new_card swapped 1 && SWAPPED=$HARNESS_CARD
harness_new_card pin 0 && PINCARD=$HARNESS_CARD
# another PKI nobody trusts
if ! { "$MYNA_VCARD" init --pki "$W/other-pki" &&
    "$MYNA_VCARD" create --pki "$W/other-pki" --card "$W/cards/mallory"; } \
    >>"$W/vcard-admin.log" 2>&1; then
    harness_bail "cannot make the untrusted PKI"
fi
MALLORY=$W/cards/mallory
# A card whose auth.crt belongs to another key: alice's certificate on a
# card that signs with its own key (what a forged card would present).
cp "$ALICE/auth.crt" "$SWAPPED/auth.crt"

if ! { pki_init "$W/ca" &&
    pki_ca jpki --import "$W/pki/auth-ca.crt" "$W/pki/auth-ca.key.pem" &&
    pki_card_auth jpki "$EXPIRED" --start '-400 days' --end '-1 day' &&
    pki_card_auth jpki "$CRLREV" && CRLREV_CERT=$PKI_CERT &&
    pki_card_auth jpki "$OCSPOK" &&
    pki_card_auth jpki "$OCSPREV" && OCSPREV_CERT=$PKI_CERT &&
    pki_card_auth jpki "$OCSPDOWN" &&
    pki_issue_auth jpki hsm && HSM_CERT=$PKI_CERT && HSM_KEY=$PKI_KEY &&
    pki_revoke jpki "$CRLREV_CERT" &&
    pki_revoke jpki "$OCSPREV_CERT" &&
    pki_crl jpki "$W/jpki.crl"; }; then
    diag_file "$W/ca/pki.log"
    harness_bail "cannot make the test PKI"
fi
JPKI_CA=$W/ca/jpki/ca.crt

# alice is registered with her card, the expired, revoked and OCSP cards
# and the softhsm2 certificate (so that only the certificate check can
# refuse those); bob's records are withheld; carol has two valid
# qualifications; dave has none registered.
Q='{"insuredCardClassification":"01","insurerNumber":"06130488","insurerName":"試験健康保険組合","insuredCardSymbol":"1234","insuredIdentificationNumber":"5678","insuredBranchNumber":"01","personalFamilyClassification":"1","insuredName":"試験　太郎","insuredCardValidDate":"20240401","insuredCardExpirationDate":"20991231","qualificationDate":"20200401","insuredPartialContributionRatio":"030"}'
cat >"$W/people.json" <<JSON
[
 {"name":"試験　太郎","nameKana":"ｼｹﾝ ﾀﾛｳ","sex1":"1","birthdate":"19800217",
  "withheld":false,
  "certificates":[{"file":"cards/alice/auth.crt"},{"file":"cards/expired/auth.crt"},
   {"file":"cards/crlrev/auth.crt"},{"file":"cards/ocspok/auth.crt"},
   {"file":"cards/ocsprev/auth.crt"},{"file":"cards/ocspdown/auth.crt"},
   {"file":"cards/pin/auth.crt"},{"file":"ca/jpki/hsm.crt"}],
  "qualifications":[$Q]},
 {"name":"試験　次郎","nameKana":"ｼｹﾝ ｼﾞﾛｳ","sex1":"1","birthdate":"19750101",
  "withheld":true,"certificates":[{"file":"cards/bob/auth.crt"}],
  "qualifications":[$Q]},
 {"name":"試験　花子","nameKana":"ｼｹﾝ ﾊﾅｺ","sex1":"2","birthdate":"19900505",
  "withheld":false,"certificates":[{"file":"cards/carol/auth.crt"}],
  "qualifications":[
   {"insuredCardClassification":"01","insurerNumber":"33120015","insurerName":"試験共済組合","insuredCardSymbol":"77","insuredIdentificationNumber":"100","insuredBranchNumber":"00","personalFamilyClassification":"1","insuredName":"試験　花子","insuredCardValidDate":"20200401","qualificationDate":"20200401","insuredPartialContributionRatio":"030"},
   {"insuredCardClassification":"01","insurerNumber":"131045","insurerName":"試験市国民健康保険","insuredIdentificationNumber":"2001","insuredBranchNumber":"02","personalFamilyClassification":"1","insuredName":"試験　花子","insuredCardValidDate":"20210401","qualificationDate":"20210401","insuredPartialContributionRatio":"020"}]}
]
JSON
DB=$W/elig.db
"$MYNA_ELIGD" import --db "$DB" "$W/people.json" >>"$W/import.log" 2>&1 || {
    diag_file "$W/import.log"
    harness_bail "myna-eligd import failed"
}

# The service for most cases: the JPKI CA, its CRL, terminal certificates.
AUDIT=$W/audit.log
eligd_start --jpki-ca "$JPKI_CA" --crl "$W/jpki.crl" --db "$DB" \
    --audit "$AUDIT" --client-ca "$TLS/term-ca.pem" ||
    harness_bail "myna-eligd did not start"
MAIN_URL=$ELIGD_URL
MAIN_PID=$ELIGD_PID
diag "myna-eligd at $MAIN_URL"

# ------------------------------------------------------------ helpers
# use_card CARD [RUN-ARG...]: that card (alone) in the reader.
use_card() {
    harness_stop_vcard
    harness_start_vcard "$@" --trace "$W/trace"
}
# card URL ARG...: myna-qualify card with the test PIN on descriptor 3.
card() {
    local url=$1
    shift
    qualify card --url "$url" --cacert "$TLS/server-ca.pem" \
        --institution "$INST" --module "$E2E_MODULE" "$@" \
        --pin-fd 3 3<<<"${PIN:-$MYNA_TEST_AUTH_PIN}"
}
# audit_lines: how many requests the main service logged.
audit_lines() { grep -c . "$AUDIT"; }
# audit_of RID [FILE]: the outcome and validity logged for requestId RID.
audit_of() {
    jq -r --arg r "$1" 'select(.requestId == $r) |
        [.endpoint, .outcome, (.validity // "-")] | join(" ")' "${2:-$AUDIT}"
}
# post PATH CTYPE FILE [CURL-ARG...]: curl to the main service; "STATUS CODE".
post() {
    local r
    r=$(ELIGD_URL=$MAIN_URL eligd_post "$@")
    printf '%s %s\n' "${r%% *}" "$(jq -r .errorCode <<<"${r#* }" 2>/dev/null)"
}
# refused WHAT CODE HTTP RID [FILE]: the client said the service refused.
refused() {
    check_eq "$1: exit 6" 6 "$QX_RC"
    check_match "$1: $2 shown" "*$2 *(HTTP $3)*" "$QX_ERR"
    check_eq "$1: audit says $2" "qualification/card $2 -" "$(audit_of "$4" "${5:-$AUDIT}")"
}

# ------------------------------------------------------------ eligible
harness_start_vcard "$ALICE" --trace "$W/trace"
trace_start=$(($(wc -l <"$W/trace") + 1))
before=$(verifies)
card "$MAIN_URL" --request-id e2e-eligible --file-id visit-1
check_eq "eligible: exit 0" 0 "$QX_RC"
check_match "eligible: the table (validity, name, kana, insurer, numbers, ratio)" \
    "*1 有効*試験　太郎*ｼｹﾝ ﾀﾛｳ*06130488 試験健康保険組合*1234 / 5678 / 01*30 %*" \
    "$QX_OUT"
check_eq "eligible: one VERIFY at the card" 1 $(($(verifies) - before))
check_eq "eligible: audit ok, validity 1" "qualification/card ok 1" \
    "$(audit_of e2e-eligible)"
# serial FILE: a certificate's serial number as the audit log writes it
# (upper-case hex without leading zeros).
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | sed 's/^0*//'; }
openssl x509 -inform DER -in "$ALICE/auth.crt" -out "$W/alice.pem"
check_eq "eligible: audit names the card's certificate serial" "$(serial "$W/alice.pem")" \
    "$(jq -r 'select(.requestId == "e2e-eligible") | .certSerial' "$AUDIT")"
diag "the result table:" "$QX_OUT"
N_BEFORE_SIGN=$(($(apdus_before_sign "$trace_start") - 1))

card "$MAIN_URL" --request-id e2e-json --json
check_eq "--json: exit 0" 0 "$QX_RC"
check_eq "--json: the service's answer (requestId, validity, insurer)" \
    "e2e-json 1 06130488 1" \
    "$(jq -r '[.requestId, .qualificationValidity, .resultList[0].insurerNumber, (.resultList|length)] | join(" ")' <<<"$QX_OUT" 2>&1)"

# ------------------------------------------------------------ replay
# The JWS the client really sent, captured by a recording relay in front
# of the service, then sent again with curl: the nonce is spent (§3, §4
# step 3).
e2e_start_relay "$W/relay" "$MAIN_URL" "$TLS/server-ca.pem"
card "$FIXED_URL" --request-id e2e-replay
check_eq "through the relay: exit 0" 0 "$QX_RC"
sed '1,/^\r$/d' "$W/relay/requests/2.req" >"$W/captured.jws"
check_match "relay: the second request is the card's JWS" \
    "POST /v1/qualification/card *" "$(head -n 1 "$W/relay/requests/2.req")"
r=$(post /v1/qualification/card application/jose "$W/captured.jws")
check_eq "replayed JWS (curl): 401 REF-E121" "401 REF-E121" "$r"
check_eq "replay: audit shows the request ok, then REF-E121" \
    "qualification/card ok 1
qualification/card REF-E121 -" "$(audit_of e2e-replay)"

# ------------------------------------------------------------ results
use_card "$DAVE"
card "$MAIN_URL" --request-id e2e-norecord
check_eq "no record: exit 1" 1 "$QX_RC"
check_match "no record: 該当資格なし and REF-E001" "*4 該当資格なし*REF-E001*" "$QX_OUT"
check_eq "no record: audit validity 4" "qualification/card ok 4" "$(audit_of e2e-norecord)"

use_card "$BOB"
card "$MAIN_URL" --request-id e2e-withheld
check_eq "withheld: exit 1" 1 "$QX_RC"
check_match "withheld: REF-E003" "*REF-E003*" "$QX_OUT"
check_eq "withheld: audit validity 4" "qualification/card ok 4" "$(audit_of e2e-withheld)"

use_card "$CAROL"
card "$MAIN_URL" --request-id e2e-multiple
check_eq "multiple qualifications: exit 0" 0 "$QX_RC"
check_match "multiple: 複数該当, both listed, 6-digit insurer padded" \
    "*5 複数該当*資格 1/2*33120015*資格 2/2*  131045*20 %*" "$QX_OUT"
check_eq "multiple: audit validity 5" "qualification/card ok 5" "$(audit_of e2e-multiple)"

# ------------------------------------------------------------ certificates
use_card "$EXPIRED"
card "$MAIN_URL" --request-id e2e-expired
refused "expired certificate" REF-E114 401 e2e-expired

use_card "$CRLREV"
card "$MAIN_URL" --request-id e2e-crl
refused "revoked certificate (CRL)" REF-E115 401 e2e-crl

use_card "$MALLORY"
card "$MAIN_URL" --request-id e2e-unknown-ca
refused "certificate from an unknown CA" REF-E113 401 e2e-unknown-ca

use_card "$SWAPPED"
card "$MAIN_URL" --request-id e2e-other-key
refused "signature by another key" REF-E112 401 e2e-other-key

# OCSP: a second service asking a real `openssl ocsp` responder.
pki_ocsp_start jpki || harness_bail "cannot start the OCSP responder"
E2E_PIDS+=("$PKI_OCSP_PID")
AUDIT2=$W/audit-ocsp.log
eligd_start --jpki-ca "$JPKI_CA" --ocsp-url "$PKI_OCSP_URL" --db "$DB" \
    --audit "$AUDIT2" || harness_bail "myna-eligd (OCSP) did not start"
OCSP_URL=$ELIGD_URL
use_card "$OCSPOK"
card "$OCSP_URL" --request-id e2e-ocsp-good
check_eq "OCSP good: exit 0" 0 "$QX_RC"
check_eq "OCSP good: audit ok" "qualification/card ok 1" "$(audit_of e2e-ocsp-good "$AUDIT2")"
use_card "$OCSPREV"
card "$OCSP_URL" --request-id e2e-ocsp-revoked
refused "revoked certificate (OCSP)" REF-E115 401 e2e-ocsp-revoked "$AUDIT2"
pki_ocsp_stop
E2E_PIDS=("${E2E_PIDS[@]:0:${#E2E_PIDS[@]}-1}") # it is gone
use_card "$OCSPDOWN"
card "$OCSP_URL" --request-id e2e-ocsp-down
refused "OCSP responder down" REF-E116 503 e2e-ocsp-down "$AUDIT2"

# ------------------------------------------------------------ nonces
# A nonce that lives 1 s and a card that takes 2.5 s to sign: the nonce
# is fetched after the PIN and before the signature, so it has expired.
eligd_start --jpki-ca "$JPKI_CA" --db "$DB" --audit "$W/audit-slow.log" \
    --nonce-lifetime 1 || harness_bail "myna-eligd (short nonces) did not start"
use_card "$ALICE" --sign-delay-ms 2500
card "$ELIGD_URL" --request-id e2e-slow
refused "expired nonce (slow card)" REF-E120 401 e2e-slow "$W/audit-slow.log"
eligd_stop

# ------------------------------------------------------------ terminal
eligd_start --jpki-ca "$JPKI_CA" --db "$DB" --audit "$W/audit-term.log" \
    --client-ca "$TLS/term-ca.pem" --require-client-cert ||
    harness_bail "myna-eligd (terminal certificates) did not start"
use_card "$ALICE"
card "$ELIGD_URL" --request-id e2e-noterm
check_eq "terminal certificate required, none: exit 6" 6 "$QX_RC"
check_match "no terminal certificate: REF-E130" "*REF-E130 *(HTTP 403)*" "$QX_ERR"
check_eq "no terminal certificate: audit REF-E130 (at the nonce)" \
    "nonce REF-E130" "$(jq -r '[.endpoint, .outcome] | join(" ")' "$W/audit-term.log" | tail -n 1)"
card "$ELIGD_URL" --request-id e2e-term "${TERM[@]}"
check_eq "terminal certificate given: exit 0" 0 "$QX_RC"
check_match "terminal certificate: audit names the terminal" "*$TERM_SUBJECT*" \
    "$(grep '"e2e-term"' "$W/audit-term.log")"
eligd_stop

# ------------------------------------------------------------ PIN
use_card "$PINCARD"
n=$(audit_lines)
before=$(verifies)
PIN=9999 card "$MAIN_URL"
check_eq "wrong PIN: exit 3" 3 "$QX_RC"
check_match "wrong PIN: 2 tries left" "*wrong PIN, 2 tries left*" "$QX_ERR"
check_eq "wrong PIN: one VERIFY at the card" 1 $(($(verifies) - before))
before=$(verifies)
PIN=9998 card "$MAIN_URL"
check_match "second wrong PIN: 1 try left" "*wrong PIN, 1 try left*" "$QX_ERR"
check_eq "second wrong PIN: one VERIFY at the card" 1 $(($(verifies) - before))
# the last try spent at the card directly: locked
apdu "$SELECT_JPKI" 00A4020C020018 "$(verify_apdu 0000)" >/dev/null
before=$(verifies)
card "$MAIN_URL"
check_eq "locked PIN: exit 3" 3 "$QX_RC"
check_match "locked PIN: said so" "*PIN locked*" "$QX_ERR"
check_eq "locked PIN: no VERIFY" 0 $(($(verifies) - before))
check_eq "PIN refused: the service saw nothing" "$n" "$(audit_lines)"

# ------------------------------------------------------------ card removed
diag "removing the card after $N_BEFORE_SIGN APDUs, just before the signature"
use_card "$ALICE" --fault-remove-after "$N_BEFORE_SIGN"
card "$MAIN_URL" --request-id e2e-removed
check_eq "card removed before the signature: exit 4" 4 "$QX_RC"
check_match "card removed: said so" "*card*" "$QX_ERR"
check_eq "card removed: no card request reached the service" "" \
    "$(audit_of e2e-removed)"
harness_stop_vcard

# ------------------------------------------------------------ raw requests
printf '{"ver":"1",' >"$W/bad.json"
r=$(post /v1/qualification/insurance application/json "$W/bad.json" "${TERM_CURL[@]}")
check_eq "malformed JSON (curl): 400 REF-E100" "400 REF-E100" "$r"
printf 'not.a-jws' >"$W/bad.jws"
r=$(post /v1/qualification/card application/jose "$W/bad.jws")
check_eq "malformed JWS (curl): 400 REF-E100" "400 REF-E100" "$r"
head -c 70000 /dev/zero | tr '\0' a >"$W/big"
r=$(post /v1/qualification/card application/jose "$W/big")
check_eq "oversized body, 70000 bytes (curl): 413 REF-E103" "413 REF-E103" "$r"
r=$(post /v1/qualification/insurance application/json "$W/big" "${TERM_CURL[@]}")
check_eq "oversized insurance body (curl): 413 REF-E103" "413 REF-E103" "$r"
check_eq "raw requests: audit outcomes" "REF-E100 REF-E100 REF-E103 REF-E103" \
    "$(tail -n 4 "$AUDIT" | jq -r .outcome | tr '\n' ' ' | sed 's/ $//')"

# ------------------------------------------------------------ card data
ins=(insurance --url "$MAIN_URL" --cacert "$TLS/server-ca.pem" --institution "$INST"
    --symbol 1234 --number 5678 --branch 01 --birthdate 19800217 "${TERM[@]}")
qualify "${ins[@]}" --insurer 06130488 --request-id e2e-ins
check_eq "card data (insurance mode): exit 0" 0 "$QX_RC"
check_match "card data: 被保険者証情報, the same person" \
    "*2 被保険者証情報*試験　太郎*06130488*1234 / 5678 / 01*" "$QX_OUT"
check_eq "card data: audit ok, validity 1" "qualification/insurance ok 1" "$(audit_of e2e-ins)"
check_match "card data: audit names the terminal" "*$TERM_SUBJECT*" "$(grep '"e2e-ins"' "$AUDIT")"
n=$(audit_lines)
qualify "${ins[@]}" --insurer 06130489 --request-id e2e-ins-digit
check_eq "bad check digit: the client refuses (exit 2)" 2 "$QX_RC"
check_match "bad check digit: the right one named" "*should be 8*" "$QX_ERR"
check_eq "bad check digit: nothing sent" "$n" "$(audit_lines)"
printf '{"ver":"1","requestId":"e2e-ins-curl","medicalInstitutionCode":"%s","qualificationConfirmationDate":"%s","insurerNumber":"06130489","insuredCardSymbol":"1234","insuredIdentificationNumber":"5678","insuredBranchNumber":"01","birthdate":"19800217"}' \
    "$INST" "$(TZ=Asia/Tokyo date +%Y%m%d)" >"$W/ins.json"
r=$(post /v1/qualification/insurance application/json "$W/ins.json" "${TERM_CURL[@]}")
check_eq "bad check digit sent with curl: 400 REF-E102" "400 REF-E102" "$r"
check_eq "bad check digit: audit REF-E102" "qualification/insurance REF-E102 -" \
    "$(audit_of e2e-ins-curl)"

# ------------------------------------------------------------ softhsm2
# Any PKCS#11 stack: a key and certificate issued by the test JPKI CA in
# softhsm2, registered for alice.
HSMPIN=4711
e2e_softhsm e2e "$HSMPIN"
e2e_softhsm_put e2e "$HSMPIN" 01 auth "$HSM_KEY" "$HSM_CERT"
qualify card --url "$MAIN_URL" --cacert "$TLS/server-ca.pem" \
    --institution "$INST" --module "$SOFTHSM" --request-id e2e-softhsm \
    --key 'pkcs11:token=e2e;id=%01;type=private' --pin-fd 3 3<<<"$HSMPIN"
check_eq "softhsm2 key and certificate: exit 0" 0 "$QX_RC"
check_match "softhsm2: alice's eligibility" "*1 有効*試験　太郎*" "$QX_OUT"
check_eq "softhsm2: audit ok with the token's certificate" \
    "ok $(serial "$HSM_CERT")" \
    "$(jq -r 'select(.requestId == "e2e-softhsm") | .outcome + " " + .certSerial' "$AUDIT")"

# ------------------------------------------------------------ the audit log
check "audit: every line is JSON with time, endpoint and outcome" \
    jq -e 'select(.time and .endpoint and .outcome) | true' "$AUDIT"
leaks=$(cat "$W"/audit*.log | grep -c -e 試験 -e ｼｹﾝ -e '"5678"' -e 06130488 \
    -e "\"$MYNA_TEST_AUTH_PIN\"" -e "\"$HSMPIN\"")
check_eq "audit: no PIN, name or insurance data" 0 "$leaks"

ELIGD_PID=$MAIN_PID
eligd_stop
check_eq "the service: SIGTERM, exit 0" 0 "$ELIGD_STATUS"
harness_done
