#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# myna-eligd end to end (docs/eligibility-protocol.md §3-7, §9): the real
# service over HTTPS on loopback, a test JPKI from myna-vcard, requests
# signed with a card's auth key by the openssl CLI, answers read by curl.
# (Expired and revoked certificates are the trust tests' business.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../harness/lib.sh
. "$here/../harness/lib.sh"
# shellcheck source=lib-eligd.sh
. "$here/lib-eligd.sh"

harness_init
for t in openssl curl jq; do
    command -v "$t" >/dev/null || harness_unavailable myna-eligd "'$t' not found"
done
[ -x "$MYNA_ELIGD" ] || harness_unavailable myna-eligd "$MYNA_ELIGD not built"

# --- the people: cards from the test JPKI, one more PKI nobody trusts ---
harness_new_card alice 0 && ALICE=$HARNESS_CARD
harness_new_card bob 1 && BOB=$HARNESS_CARD
harness_new_card carol 2 && CAROL=$HARNESS_CARD
harness_new_card dave 3 && DAVE=$HARNESS_CARD
harness_new_card erin 0 && ERIN=$HARNESS_CARD
PKI=$HARNESS_DIR/pki
"$MYNA_VCARD" init --pki "$HARNESS_DIR/other-pki" >/dev/null 2>&1 &&
    "$MYNA_VCARD" create --pki "$HARNESS_DIR/other-pki" \
        --card "$HARNESS_DIR/cards/mallory" >/dev/null 2>&1 ||
    harness_bail "cannot make the untrusted PKI"
MALLORY=$HARNESS_DIR/cards/mallory

# A card certificate that expires in 30 days (REF-W001), from the same CA,
# with the JPKI auth profile's critical digitalSignature.
SOON=$HARNESS_DIR/cards/soon
mkdir -p "$SOON"
openssl req -newkey rsa:2048 -nodes -subj '/C=JP/CN=SOON0000000000000001' \
    -keyout "$SOON/auth.key.pem" -out "$SOON/auth.csr" >/dev/null 2>&1 &&
    openssl x509 -req -in "$SOON/auth.csr" -CA "$PKI/auth-ca.crt" \
        -CAkey "$PKI/auth-ca.key.pem" -set_serial 0x00ABCDEF01 -days 30 \
        -extfile <(printf 'keyUsage=critical,digitalSignature\n') \
        -out "$SOON/auth.crt" >/dev/null 2>&1 ||
    harness_bail "cannot make the short-lived certificate"
eligd_server_pki
# myna-vcard writes DER; the service takes PEM (--jpki-ca).
JPKI_CA=$HARNESS_DIR/jpki-auth-ca.pem
openssl x509 -in "$PKI/auth-ca.crt" -out "$JPKI_CA" ||
    harness_bail "cannot convert the test CA to PEM"

TODAY=$(TZ=Asia/Tokyo date +%Y%m%d)
ALICE_Q='{"insuredCardClassification":"01","insurerNumber":"06130488","insurerName":"試験健康保険組合","insuredCardSymbol":"1234","insuredIdentificationNumber":"5678","insuredBranchNumber":"01","personalFamilyClassification":"1","insuredName":"試験　太郎","insuredCardValidDate":"20240401","insuredCardExpirationDate":"20991231","qualificationDate":"20200401","insuredPartialContributionRatio":"030"}'
cat >"$HARNESS_DIR/people.json" <<JSON
[
 {"name":"試験　太郎","nameKana":"ｼｹﾝ ﾀﾛｳ","sex1":"1","birthdate":"19800217",
  "certificates":[{"file":"cards/alice/auth.crt"},{"file":"cards/soon/auth.crt"}],
  "qualifications":[$ALICE_Q]},
 {"name":"試験　次郎","nameKana":"ｼｹﾝ ｼﾞﾛｳ","sex1":"1","birthdate":"19750101",
  "withheld":true,"certificates":[{"file":"cards/bob/auth.crt"}],
  "qualifications":[$ALICE_Q]},
 {"name":"試験　花子","nameKana":"ｼｹﾝ ﾊﾅｺ","sex1":"2","birthdate":"19900505",
  "certificates":[{"file":"cards/carol/auth.crt"}],
  "qualifications":[
   {"insuredCardClassification":"01","insurerNumber":"33120015","insurerName":"試験共済組合","insuredCardSymbol":"77","insuredIdentificationNumber":"100","insuredBranchNumber":"00","personalFamilyClassification":"1","insuredName":"試験　花子","insuredCardValidDate":"20200401","qualificationDate":"20200401","insuredPartialContributionRatio":"030"},
   {"insuredCardClassification":"01","insurerNumber":"131045","insurerName":"試験市","insuredIdentificationNumber":"2001","insuredBranchNumber":"02","insuredName":"試験　花子","insuredCardValidDate":"20210401","qualificationDate":"20210401","insuredPartialContributionRatio":"030"}]}
]
JSON
# erin: an ended qualification and one not yet started (validity 3), in CSV.
ERIN_ISSUER=$(openssl x509 -in "$ERIN/auth.crt" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
ERIN_SERIAL=$(openssl x509 -in "$ERIN/auth.crt" -noout -serial | sed 's/^serial=//')
{
    echo 'person,name,nameKana,sex1,birthdate,withheld,certIssuer,certSerial,insuredCardClassification,insurerNumber,insurerName,insuredIdentificationNumber,insuredBranchNumber,insuredName,qualificationDate,disqualificationDate,reasonOfLoss,insuredPartialContributionRatio'
    echo "e1,試験　恵,ｼｹﾝ ﾒｸﾞﾐ,2,19850303,0,\"$ERIN_ISSUER\",$ERIN_SERIAL,01,06130488,試験健康保険組合,900,01,試験　恵,20150401,20200101,1,030"
    echo "e1,,,,,,,,01,33120015,\"試験共済組合, 新\",901,01,試験　恵,20990101,,,030"
} >"$HARNESS_DIR/erin.csv"

DB=$HARNESS_DIR/elig.db
check "import JSON (certificates by file)" \
    "$MYNA_ELIGD" import --db "$DB" "$HARNESS_DIR/people.json"
check "import CSV (quoted DN and comma)" \
    "$MYNA_ELIGD" import --db "$DB" "$HARNESS_DIR/erin.csv"
printf '[{"name":"x","nameKana":"x","sex1":"1","birthdate":"19800101","myNumber":"123456789012"}]' >"$HARNESS_DIR/bad.json"
out=$("$MYNA_ELIGD" import --db "$DB" "$HARNESS_DIR/bad.json" 2>&1)
check_eq "import refuses a My Number member (exit 1)" 1 $?
check_match "... and says so without the value" "*My Number*" "$out"
[[ $out != *123456789012* ]] && pass "... the value is not echoed" || fail "import echoed the My Number"

AUDIT=$HARNESS_DIR/audit.log
eligd_start --jpki-ca "$JPKI_CA" --db "$DB" --audit "$AUDIT" \
    --client-ca "$HARNESS_DIR/tls/term-ca.pem" --threads 2 ||
    harness_bail "myna-eligd did not start (status $ELIGD_STATUS)"
diag "myna-eligd at $ELIGD_URL"
TERM_CERT=(--cert "$HARNESS_DIR/tls/term.pem" --key "$HARNESS_DIR/tls/term.key")

# payload NONCE [EXTRA-MEMBERS]: a card request payload.
payload() {
    printf '{"ver":"1","nonce":"%s","iat":%s,"requestId":"%s","medicalInstitutionCode":"3410712362","qualificationConfirmationDate":"%s","identityVerification":"pin"%s}' \
        "$1" "${IAT:-$(date +%s)}" "${RID:-req-$RANDOM}" "$TODAY" "${2:-}"
}
# card_request CARD [EXTRA [HEADER [KEY]]]: a fresh nonce, a signed JWS,
# the answer ("STATUS BODY").
card_request() {
    local n
    n=$(eligd_nonce)
    eligd_jws "$1" "$(payload "$n" "${2:-}")" "${3:-}" "${4:-}" >"$HARNESS_DIR/req.jws"
    eligd_post /v1/qualification/card application/jose "$HARNESS_DIR/req.jws"
}
field() { jq -r "$1" <<<"${2#* }"; }
status() { printf '%s\n' "${1%% *}"; }

# --- §3 nonces ---
n=$(curl -sS --cacert "$HARNESS_DIR/tls/server-ca.pem" -X POST -D "$HARNESS_DIR/h" "$ELIGD_URL/v1/nonce")
check_match "nonce: 43 base64url characters" "$(printf '%43s' '' | tr ' ' '?')" "$(jq -r .nonce <<<"$n")"
check_eq "nonce: expiresIn 60" 60 "$(jq -r .expiresIn <<<"$n")"
check_match "nonce: 201 Created, JSON, no-store" "*201*" "$(head -n1 "$HARNESS_DIR/h")"
grep -qi '^cache-control: no-store' "$HARNESS_DIR/h" && pass "nonce: Cache-Control: no-store" || fail "no Cache-Control: no-store"

# --- §6 results ---
r=$(RID=visit-1 card_request "$ALICE" ',"arbitraryFileIdentifier":"file-9"')
check_eq "eligible: 200" 200 "$(status "$r")"
check_eq "eligible: validity 1" 1 "$(field .qualificationValidity "$r")"
check_eq "eligible: status 1, no code" "1 null" "$(field '.processingResultStatus + " " + (.processingResultCode|tostring)' "$r")"
check_eq "eligible: the fields" "06130488|試験健康保険組合|1234|5678|01|試験　太郎|ｼｹﾝ ﾀﾛｳ|19800217|030" \
    "$(field '.resultList[0] | [.insurerNumber,.insurerName,.insuredCardSymbol,.insuredIdentificationNumber,.insuredBranchNumber,.name,.nameKana,.birthdate,.insuredPartialContributionRatio] | join("|")' "$r")"
check_eq "eligible: echoes requestId, file id, reference 1" "visit-1 file-9 1 1" \
    "$(field '[.requestId,.arbitraryFileIdentifier,.referenceClassification,.segmentOfResult]|join(" ")' "$r")"
r=$(card_request "$DAVE")
check_eq "no record: validity 4, status 2, REF-E001" "200 4 2 REF-E001 0" \
    "$(status "$r") $(field '[.qualificationValidity,.processingResultStatus,.processingResultCode,(.resultList|length|tostring)]|join(" ")' "$r")"
r=$(card_request "$BOB")
check_eq "withheld: validity 4, REF-E003, empty list" "200 4 2 REF-E003 0" \
    "$(status "$r") $(field '[.qualificationValidity,.processingResultStatus,.processingResultCode,(.resultList|length|tostring)]|join(" ")' "$r")"
r=$(card_request "$CAROL")
check_eq "multiple: validity 5, both listed" "200 5 2" \
    "$(status "$r") $(field '[.qualificationValidity,(.resultList|length|tostring)]|join(" ")' "$r")"
check_eq "multiple: 6-digit insurer number padded to 8" "  131045" "$(field '.resultList[1].insurerNumber' "$r")"
r=$(card_request "$ERIN")
check_eq "ended + newer not started (CSV import): validity 3, the ended one" "200 3 900 20200101" \
    "$(status "$r") $(field '[.qualificationValidity,.resultList[0].insuredIdentificationNumber,.resultList[0].disqualificationDate]|join(" ")' "$r")"
r=$(card_request "$SOON")
check_eq "certificate expiring within 3 months: REF-W001, status 1, validity 1" "200 1 1 REF-W001" \
    "$(status "$r") $(field '[.processingResultStatus,.qualificationValidity,.processingResultCode]|join(" ")' "$r")"

# --- §4 refusals ---
n=$(eligd_nonce)
eligd_jws "$ALICE" "$(RID=replay-1 payload "$n")" >"$HARNESS_DIR/once.jws"
r1=$(eligd_post /v1/qualification/card application/jose "$HARNESS_DIR/once.jws")
r2=$(eligd_post /v1/qualification/card application/jose "$HARNESS_DIR/once.jws")
check_eq "replayed nonce: first 200, then 401 REF-E121" "200 401 REF-E121" \
    "$(status "$r1") $(status "$r2") $(field .errorCode "$r2")"
check_eq "... the error echoes requestId, segmentOfResult 9" "replay-1 9" "$(field '.requestId + " " + .segmentOfResult' "$r2")"
eligd_jws "$ALICE" "$(payload AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)" >"$HARNESS_DIR/x.jws"
r=$(eligd_post /v1/qualification/card application/jose "$HARNESS_DIR/x.jws")
check_eq "unknown nonce: 401 REF-E120" "401 REF-E120" "$(status "$r") $(field .errorCode "$r")"
r=$(IAT=$(($(date +%s) - 3600)) card_request "$ALICE")
check_eq "iat an hour old: 401 REF-E122" "401 REF-E122" "$(status "$r") $(field .errorCode "$r")"

x5c=$(openssl x509 -in "$ALICE/auth.crt" -outform DER | openssl base64 -A)
n=$(eligd_nonce)
h=$(printf '{"alg":"none","typ":"myna-elig+jws","x5c":["%s"]}' "$x5c" | b64url)
p=$(payload "$n" | b64url)
printf '%s.%s.' "$h" "$p" >"$HARNESS_DIR/x.jws"
r=$(eligd_post /v1/qualification/card application/jose "$HARNESS_DIR/x.jws")
check_eq "alg none: 400 REF-E111" "400 REF-E111" "$(status "$r") $(field .errorCode "$r")"
h=$(printf '{"alg":"HS256","typ":"myna-elig+jws","x5c":["%s"]}' "$x5c" | b64url)
s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -hmac "$x5c" -binary | b64url)
printf '%s.%s.%s' "$h" "$p" "$s" >"$HARNESS_DIR/x.jws"
r=$(eligd_post /v1/qualification/card application/jose "$HARNESS_DIR/x.jws")
check_eq "alg HS256 (keyed with the certificate): 400 REF-E111" "400 REF-E111" "$(status "$r") $(field .errorCode "$r")"
r=$(card_request "$ALICE" "" '{"alg":"RS256","typ":"myna-elig+jws","x5c":["'"$x5c"'"],"jku":"https://evil/"}')
check_eq "header with jku: 400 REF-E110" "400 REF-E110" "$(status "$r") $(field .errorCode "$r")"
r=$(card_request "$ALICE" "" "" "$BOB/auth.key.pem")
check_eq "signed by another card's key: 401 REF-E112" "401 REF-E112" "$(status "$r") $(field .errorCode "$r")"
r=$(card_request "$MALLORY")
check_eq "card of an unknown CA: 401 REF-E113" "401 REF-E113" "$(status "$r") $(field .errorCode "$r")"
r=$(card_request "$ALICE" ',"myNumber":"123456789012"')
check_eq "My Number member: 400 REF-E140" "400 REF-E140" "$(status "$r") $(field .errorCode "$r")"
r=$(card_request "$ALICE" ',"colour":"blue"')
check_eq "unknown member: 400 REF-E101 naming it" "400 REF-E101 *colour*" "$(status "$r") $(field .errorCode "$r") *colour*"
check_match "... the message names the member" "*colour*" "$(field .errorMessage "$r")"
printf 'not-a-jws' >"$HARNESS_DIR/x.jws"
r=$(eligd_post /v1/qualification/card application/jose "$HARNESS_DIR/x.jws")
check_eq "malformed JWS: 400 REF-E100" "400 REF-E100" "$(status "$r") $(field .errorCode "$r")"
r=$(eligd_post /v1/qualification/card application/json "$HARNESS_DIR/once.jws")
check_eq "wrong content type: 415 REF-E104" "415 REF-E104" "$(status "$r") $(field .errorCode "$r")"
head -c 70000 /dev/zero | tr '\0' a >"$HARNESS_DIR/big"
r=$(eligd_post /v1/qualification/card application/jose "$HARNESS_DIR/big")
check_eq "body over 64 KiB: 413 REF-E103" "413 REF-E103" "$(status "$r") $(field .errorCode "$r")"
r=$(eligd_post /v1/qualification/card application/jose "$HARNESS_DIR/big" -H 'Transfer-Encoding: chunked')
check_eq "chunked body over 64 KiB: 413 REF-E103" "413 REF-E103" "$(status "$r") $(field .errorCode "$r")"
r=$(eligd_post /v1/nonce application/json /dev/null -H "X-Pad: $(head -c 10000 /dev/zero | tr '\0' p)")
check_eq "header block over 8 KiB: 431 REF-E106" "431 REF-E106" "$(status "$r") $(field .errorCode "$r")"
r=$(eligd_post /v1/nothing application/json /dev/null)
check_eq "unknown path: 404 REF-E105" "404 REF-E105" "$(status "$r") $(field .errorCode "$r")"
code=$(curl -sS --cacert "$HARNESS_DIR/tls/server-ca.pem" -o "$HARNESS_DIR/o" -w '%{http_code}' "$ELIGD_URL/v1/nonce")
check_eq "GET /v1/nonce: 405 REF-E105" "405 REF-E105" "$code $(jq -r .errorCode "$HARNESS_DIR/o")"

# --- §5 insurance data ---
ins() {
    printf '{"ver":"1","requestId":"ins-%s","medicalInstitutionCode":"3410712362","qualificationConfirmationDate":"%s","insurerNumber":"%s","insuredCardSymbol":"1234","insuredIdentificationNumber":"5678","insuredBranchNumber":"01","birthdate":"19800217"}' \
        "$RANDOM" "$TODAY" "$1" >"$HARNESS_DIR/ins.json"
}
ins 06130488
r=$(eligd_post /v1/qualification/insurance application/json "$HARNESS_DIR/ins.json")
check_eq "insurance without a client certificate: 403 REF-E130" "403 REF-E130" "$(status "$r") $(field .errorCode "$r")"
r=$(eligd_post /v1/qualification/insurance application/json "$HARNESS_DIR/ins.json" "${TERM_CERT[@]}")
check_eq "insurance with a terminal certificate: eligible, reference 2" "200 1 2 5678" \
    "$(status "$r") $(field '[.qualificationValidity,.referenceClassification,.resultList[0].insuredIdentificationNumber]|join(" ")' "$r")"
ins 06130487
r=$(eligd_post /v1/qualification/insurance application/json "$HARNESS_DIR/ins.json" "${TERM_CERT[@]}")
check_eq "insurance, wrong check digit: 400 REF-E102" "400 REF-E102" "$(status "$r") $(field .errorCode "$r")"
printf '{"ver":"1",' >"$HARNESS_DIR/ins.json"
r=$(eligd_post /v1/qualification/insurance application/json "$HARNESS_DIR/ins.json" "${TERM_CERT[@]}")
check_eq "insurance, malformed JSON: 400 REF-E100" "400 REF-E100" "$(status "$r") $(field .errorCode "$r")"

# --- §9 the audit log ---
nreq=$(grep -c . "$AUDIT")
check "audit: every line is JSON with time, endpoint and outcome" \
    jq -e 'select(.time and .endpoint and .outcome) | true' "$AUDIT"
check_eq "audit: one line per request ($nreq)" "$nreq" "$(jq -c . "$AUDIT" | wc -l)"
check_match "audit: the replay is logged as REF-E121" "*REF-E121*" "$(grep '"replay-1"' "$AUDIT" | tail -n1)"
check_match "audit: terminal by certificate in insurance mode" "*terminal 1*" "$(grep qualification/insurance "$AUDIT" | tail -n1)"
check_match "audit: card mode names the certificate" '*"certSerial"*' "$(grep '"visit-1"' "$AUDIT")"
leaks=$(grep -c -e 123456789012 -e 試験 -e ｼｹﾝ -e '"5678"' -e 06130488 -e "\"$MYNA_TEST_AUTH_PIN\"" "$AUDIT")
check_eq "audit: no My Number, PIN, name or insurance data" 0 "$leaks"
grep -q 123456789012 "$ELIGD_LOG" && fail "service log holds the My Number" || pass "service log: no My Number"

# --- concurrency: 16 card queries at once over separate connections ---
: >"$HARNESS_DIR/par.list"
pids=()
for i in $(seq 1 16); do
    n=$(eligd_nonce)
    eligd_jws "$ALICE" "$(RID=par-$i payload "$n")" >"$HARNESS_DIR/par-$i.jws"
done
for i in $(seq 1 16); do
    curl -sS --max-time 20 --cacert "$HARNESS_DIR/tls/server-ca.pem" \
        -H 'Content-Type: application/jose' --data-binary @"$HARNESS_DIR/par-$i.jws" \
        -o "$HARNESS_DIR/par-$i.out" -w '%{http_code}\n' \
        "$ELIGD_URL/v1/qualification/card" >>"$HARNESS_DIR/par.list" &
    pids+=($!)
done
wait "${pids[@]}" # not a bare wait: the service is our child too
check_eq "16 concurrent card queries: all 200" "16 200" "$(sort "$HARNESS_DIR/par.list" | uniq -c | awk '{print $1, $2}')"
check_eq "... each answered with its own requestId and validity 1" 16 \
    "$(for i in $(seq 1 16); do jq -r 'select(.requestId == "par-'"$i"'" and .qualificationValidity == "1") | 1' "$HARNESS_DIR/par-$i.out"; done | grep -c 1)"
check_eq "... and 16 whole audit lines" 16 "$(jq -r 'select((.requestId // "") | startswith("par-")) | .outcome' "$AUDIT" | grep -c '^ok$')"

# --- SIGHUP reloads the CA files and keeps serving ---
kill -HUP "$ELIGD_PID"
for i in $(seq 1 50); do grep -q SIGHUP "$ELIGD_LOG" && break; sleep 0.1; done
check_match "SIGHUP: the service says it reloads" "*SIGHUP*" "$(grep SIGHUP "$ELIGD_LOG")"
r=$(card_request "$ALICE")
check_eq "... and still answers (validity 1)" "200 1" "$(status "$r") $(field .qualificationValidity "$r")"

# --- shutdown ---
eligd_stop
check_eq "SIGTERM: clean exit 0" 0 "$ELIGD_STATUS"

# --require-client-cert: even a nonce needs a terminal; and the terminal
# is bound to one institution code (REF-E123).
fp=$(openssl x509 -in "$HARNESS_DIR/tls/term.pem" -noout -fingerprint -sha256 | sed 's/^.*=//')
printf '# terminal 1 of the test clinic\n%s 3410712362\n' "$fp" >"$HARNESS_DIR/terminals"
eligd_start --jpki-ca "$JPKI_CA" --db "$DB" \
    --client-ca "$HARNESS_DIR/tls/term-ca.pem" --require-client-cert \
    --terminal-institutions "$HARNESS_DIR/terminals" --nonce-lifetime 1 ||
    harness_bail "myna-eligd did not start again"
r=$(eligd_post /v1/nonce application/json /dev/null)
check_eq "--require-client-cert: nonce without one 403 REF-E130" "403 REF-E130" "$(status "$r") $(field .errorCode "$r")"
r=$(eligd_post /v1/nonce application/json /dev/null "${TERM_CERT[@]}")
check_eq "--require-client-cert: nonce with one 201" 201 "$(status "$r")"
n=$(eligd_nonce "${TERM_CERT[@]}")
eligd_jws "$ALICE" "$(payload "$n")" >"$HARNESS_DIR/late.jws"
harness_sleep 2.2
r=$(eligd_post /v1/qualification/card application/jose "$HARNESS_DIR/late.jws" "${TERM_CERT[@]}")
check_eq "a nonce used after its lifetime (1 s): 401 REF-E120" "401 REF-E120" "$(status "$r") $(field .errorCode "$r")"
ins 06130488
r=$(eligd_post /v1/qualification/insurance application/json "$HARNESS_DIR/ins.json" "${TERM_CERT[@]}")
check_eq "bound terminal, its own institution code: 200" "200 1" "$(status "$r") $(field .qualificationValidity "$r")"
sed -i 's/3410712362/1312345679/' "$HARNESS_DIR/ins.json"
r=$(eligd_post /v1/qualification/insurance application/json "$HARNESS_DIR/ins.json" "${TERM_CERT[@]}")
check_eq "bound terminal, another institution's code: 403 REF-E123" "403 REF-E123" "$(status "$r") $(field .errorCode "$r")"
eligd_stop

"$MYNA_ELIGD" serve --cert /nonexistent --key /nonexistent --jpki-ca "$JPKI_CA" --db "$DB" >/dev/null 2>&1
check_eq "unreadable certificate: exit 1" 1 $?
printf 'nothex 3410712362\n' >"$HARNESS_DIR/bad-terminals"
"$MYNA_ELIGD" serve --cert "$HARNESS_DIR/tls/server.pem" --key "$HARNESS_DIR/tls/server.key" \
    --jpki-ca "$JPKI_CA" --db "$DB" --terminal-institutions "$HARNESS_DIR/bad-terminals" >/dev/null 2>&1
check_eq "malformed --terminal-institutions file: exit 3" 3 $?
"$MYNA_ELIGD" serve --bogus >/dev/null 2>&1
check_eq "unknown option: exit 2" 2 $?
harness_done
