#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck disable=SC2015  # "step && step || bail": any failed step bails
#
# tests/eligd/trust.sh - myna-eligd's certificate checks (tools/eligd/
# trust.h; docs/eligibility-protocol.md §4 step 5, §8) against a real PKI:
# myna-vcard's test CA as the first generation, a second generation with
# the same DN and a new key, a foreign CA, certificates made by `openssl
# ca` (good, expired, not yet valid, revoked, without digitalSignature),
# CRLs from `openssl ca -gencrl` (current, stale, foreign), and a real
# `openssl ocsp` responder on loopback (signed by the CA, by a delegated
# responder, by a responder that must not be trusted; good, revoked,
# unknown, down).  tests/eligd/trust-check runs elig_trust_check.
#
# The last part re-issues a virtual card's authentication certificate
# (pki_card_auth: expired, then revoked) and reads it back from the card
# through pcscd, as the end-to-end tests of expired and revoked cards do.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$top_srcdir/tests/harness/lib.sh"
# shellcheck source-path=SCRIPTDIR source=pki.sh
. "$top_srcdir/tests/eligd/pki.sh"

TC=$top_builddir/tests/eligd/trust-check
[ -x "$TC" ] || harness_bail "$TC is not built"
for t in openssl date; do
    command -v "$t" >/dev/null || harness_unavailable "$t" "not installed"
done

harness_init
W=$HARNESS_DIR
pki_init "$W/pki" || harness_bail "pki_init failed"

# verdict ARG...: the first line trust-check prints (its stderr is logged).
verdict() {
    "$TC" "$@" 2>>"$W/trust-check.log" | head -n 1 | cut -d' ' -f1
}
# field NAME LINE: the value of NAME=... in a trust-check ok line (issuer
# comes last and takes the rest of the line: a DN has spaces).
field() {
    case $1 in
    issuer) sed -n 's/.* issuer=//p' <<<"$2" ;;
    *) sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$2" ;;
    esac
}

# ------------------------------------------------------------------ PKI
"$MYNA_VCARD" init --pki "$W/vpki" >>"$W/vcard.log" 2>&1 &&
    "$MYNA_VCARD" create --pki "$W/vpki" --card "$W/card-exp" \
        >>"$W/vcard.log" 2>&1 &&
    "$MYNA_VCARD" create --pki "$W/vpki" --card "$W/card-rev" \
        >>"$W/vcard.log" 2>&1 || {
    diag_file "$W/vcard.log"
    harness_bail "myna-vcard init/create failed"
}
pki_ca gen1 --import "$W/vpki/auth-ca.crt" "$W/vpki/auth-ca.key.pem" &&
    pki_ca gen2 --same-dn-as gen1 &&
    pki_ca other || harness_bail "cannot make the CAs"
P=$W/pki
cat "$P/gen1/ca.crt" "$P/gen2/ca.crt" >"$W/cas.pem"

pki_issue_auth gen1 good &&
    pki_issue_auth gen2 good2 &&
    pki_issue_auth gen1 expired --start '-40 days' --end '-1 day' &&
    pki_issue_auth gen1 future --start '+2 days' --end '+40 days' &&
    pki_issue_auth other foreign &&
    pki_issue_auth gen1 noku --ku none &&
    pki_issue_auth gen1 kunoncrit --ku digitalSignature &&
    pki_issue_auth gen1 kuwrong --ku 'critical,keyEncipherment' &&
    pki_issue_auth gen1 revoked &&
    pki_issue_auth gen1 unlisted --not-in-index &&
    pki_revoke gen1 "$P/gen1/revoked.crt" ||
    harness_bail "cannot issue the certificates"
pki_crl gen1 "$W/gen1.crl" && pki_crl gen2 "$W/gen2.crl" &&
    pki_crl gen1 "$W/gen1-stale.crl" --stale &&
    pki_crl other "$W/other.crl" || harness_bail "cannot make the CRLs"
CAS=(--ca "$W/cas.pem")
CRLS=(--crl "$W/gen1.crl" --crl "$W/gen2.crl")

# ------------------------------------------------- chain, validity, usage
line=$("$TC" "${CAS[@]}" "$P/gen1/good.crt" 2>>"$W/trust-check.log")
check_match "good certificate of generation 1" 'ok days=36[45] *' "$line"
# The store's key: what `openssl x509` prints, in the same conventions.
want_issuer=$(openssl x509 -in "$P/gen1/good.crt" -noout -issuer \
    -nameopt RFC2253 | sed 's/^issuer=//')
want_serial=$(openssl x509 -in "$P/gen1/good.crt" -noout -serial |
    sed 's/^serial=0*//')
check_eq "issuer in RFC 2253 form" "$want_issuer" "$(field issuer "$line")"
check_eq "serial in upper-case hex without leading zeros" "$want_serial" \
    "$(field serial "$line")"
check_eq "the virtual card's own certificate (generation 1)" ok \
    "$(verdict "${CAS[@]}" "$W/card-exp/auth.crt")"
check_eq "good certificate of generation 2 (same DN, new key)" ok \
    "$(verdict "${CAS[@]}" "$P/gen2/good2.crt")"
check_eq "generation 2 not configured: untrusted" untrusted \
    "$(verdict --ca "$P/gen1/ca.crt" "$P/gen2/good2.crt")"
check_eq "the vcard CA file as myna-vcard writes it (DER)" ok \
    "$(verdict --ca "$W/vpki/auth-ca.crt" "$P/gen1/good.crt")"
check_eq "expired certificate" expired \
    "$(verdict "${CAS[@]}" "$P/gen1/expired.crt")"
check_eq "not yet valid certificate" expired \
    "$(verdict "${CAS[@]}" "$P/gen1/future.crt")"
check_eq "the not yet valid certificate at a time it is valid" ok \
    "$(verdict "${CAS[@]}" --time "$(date -d '+5 days' +%s)" \
        "$P/gen1/future.crt")"
# (the expired one was never valid while its CA was: myna-vcard made the
# CA a moment ago)
check_eq "certificate of an unknown CA" untrusted \
    "$(verdict "${CAS[@]}" "$P/other/foreign.crt")"
check_eq "a CA certificate as the user certificate" untrusted \
    "$(verdict "${CAS[@]}" "$P/gen1/ca.crt")"
check_eq "no keyUsage" wrong-usage "$(verdict "${CAS[@]}" "$P/gen1/noku.crt")"
check_eq "digitalSignature not critical" wrong-usage \
    "$(verdict "${CAS[@]}" "$P/gen1/kunoncrit.crt")"
check_eq "keyEncipherment only" wrong-usage \
    "$(verdict "${CAS[@]}" "$P/gen1/kuwrong.crt")"
printf 'garbage\n' >"$W/garbage.pem"
"$TC" "${CAS[@]}" "$W/garbage.pem" >/dev/null 2>>"$W/trust-check.log"
check_eq "unreadable certificate: trust-check says so" 1 "$?"

# ------------------------------------------------------------------ CRL
check_eq "CRL: good certificate" ok \
    "$(verdict "${CAS[@]}" "${CRLS[@]}" "$P/gen1/good.crt")"
check_eq "CRL: revoked certificate" revoked \
    "$(verdict "${CAS[@]}" "${CRLS[@]}" "$P/gen1/revoked.crt")"
check_eq "CRL: generation 2's own CRL" ok \
    "$(verdict "${CAS[@]}" "${CRLS[@]}" "$P/gen2/good2.crt")"
check_eq "CRL: generation 2 without a CRL of its own: status unknown" \
    status-unknown \
    "$(verdict "${CAS[@]}" --crl "$W/gen1.crl" "$P/gen2/good2.crt")"
check_eq "CRL past nextUpdate: status unknown (fail closed)" status-unknown \
    "$(verdict "${CAS[@]}" --crl "$W/gen1-stale.crl" "$P/gen1/good.crt")"
check_eq "CRL past nextUpdate: even for the revoked one" status-unknown \
    "$(verdict "${CAS[@]}" --crl "$W/gen1-stale.crl" "$P/gen1/revoked.crt")"
check_eq "stale and current CRL side by side: the newest counts" revoked \
    "$(verdict "${CAS[@]}" --crl "$W/gen1-stale.crl" --crl "$W/gen1.crl" \
        "$P/gen1/revoked.crt")"
"$TC" "${CAS[@]}" --crl "$W/other.crl" "$P/gen1/good.crt" >/dev/null \
    2>"$W/foreign-crl.err"
check_eq "CRL of a CA not configured: refused at load" 1 "$?"
check_match "  with a message naming it" '*other.crl: CRL not signed*' \
    "$(cat "$W/foreign-crl.err")"
openssl crl -in "$W/gen1.crl" -outform DER -out "$W/gen1.crl.der"
check_eq "CRL in DER" revoked \
    "$(verdict "${CAS[@]}" --crl "$W/gen1.crl.der" --crl "$W/gen2.crl" \
        "$P/gen1/revoked.crt")"

# ----------------------------------------------------------------- OCSP
# The responder is ours to stop, also when the test ends early.
# shellcheck disable=SC2317  # called by the EXIT trap
trust_cleanup() {
    local rc=$?
    pki_ocsp_stop
    (exit "$rc")
    harness_cleanup
}
trap trust_cleanup EXIT
pki_ocsp_start gen1 || harness_bail "cannot start openssl ocsp"
diag "openssl ocsp (signed by the CA) at $PKI_OCSP_URL"
OCSP=(--ocsp-url "$PKI_OCSP_URL" --timeout-ms 2000)
check_eq "OCSP signed by the CA: good" ok \
    "$(verdict "${CAS[@]}" "${OCSP[@]}" "$P/gen1/good.crt")"
check_eq "OCSP signed by the CA: revoked" revoked \
    "$(verdict "${CAS[@]}" "${OCSP[@]}" "$P/gen1/revoked.crt")"
check_eq "OCSP: a certificate the responder does not know: unknown" \
    status-unknown \
    "$(verdict "${CAS[@]}" "${OCSP[@]}" "$P/gen1/unlisted.crt")"
check_eq "OCSP: another generation's certificate: unknown" status-unknown \
    "$(verdict "${CAS[@]}" "${OCSP[@]}" "$P/gen2/good2.crt")"
out=$("$TC" "${CAS[@]}" "${OCSP[@]}" --repeat 4 --stats \
    "$P/gen1/good.crt" 2>>"$W/trust-check.log")
check_match "OCSP answers cached until nextUpdate (1 query for 4 checks)" \
    '*ocsp_queried=1 ocsp_cached=3*' "$out"
check_match "chains cached (1 verification for 4 checks)" \
    '*chain_verified=1 chain_cached=3*' "$out"
out=$("$TC" "${CAS[@]}" "${CRLS[@]}" "${OCSP[@]}" --der --repeat 3 --stats \
    "$P/gen1/good.crt" 2>>"$W/trust-check.log")
check_match "the DER (x5c) entry point: ok, the key returned, cached" \
    'ok days=*ok days=*ok days=*chain_verified=1 chain_cached=2*' \
    "$(tr '\n' ' ' <<<"$out")"
check_eq "CRL and OCSP together: revoked by both" revoked \
    "$(verdict "${CAS[@]}" "${CRLS[@]}" "${OCSP[@]}" "$P/gen1/revoked.crt")"
check_eq "CRL and OCSP together: good by both" ok \
    "$(verdict "${CAS[@]}" "${CRLS[@]}" "${OCSP[@]}" "$P/gen1/good.crt")"
check_eq "CRL and OCSP together: a stale CRL is not saved by OCSP" \
    status-unknown \
    "$(verdict "${CAS[@]}" --crl "$W/gen1-stale.crl" "${OCSP[@]}" \
        "$P/gen1/good.crt")"
pki_ocsp_stop

# A delegated responder (RFC 6960 §4.2.2.2: issued by the CA,
# id-kp-OCSPSigning), answering without nextUpdate.
pki_ocsp_signer gen1 responder || harness_bail "cannot make the responder"
pki_ocsp_start gen1 --rsigner "$PKI_CERT" --rkey "$PKI_KEY" --nmin 0 ||
    harness_bail "cannot start openssl ocsp"
OCSP=(--ocsp-url "$PKI_OCSP_URL" --timeout-ms 2000)
check_eq "OCSP by a delegated responder: good" ok \
    "$(verdict "${CAS[@]}" "${OCSP[@]}" "$P/gen1/good.crt")"
check_eq "OCSP by a delegated responder: revoked" revoked \
    "$(verdict "${CAS[@]}" "${OCSP[@]}" "$P/gen1/revoked.crt")"
out=$("$TC" "${CAS[@]}" "${OCSP[@]}" --repeat 3 --stats \
    "$P/gen1/good.crt" 2>>"$W/trust-check.log")
check_match "OCSP answers without nextUpdate are not cached" \
    '*ocsp_queried=3 ocsp_cached=0*' "$out"
pki_ocsp_stop

# A responder certificate from the CA without id-kp-OCSPSigning: not a
# delegate, its answers prove nothing.
pki_ocsp_signer gen1 notresponder --eku clientAuth ||
    harness_bail "cannot make the non-responder"
pki_ocsp_start gen1 --rsigner "$PKI_CERT" --rkey "$PKI_KEY" ||
    harness_bail "cannot start openssl ocsp"
check_eq "OCSP signed without id-kp-OCSPSigning: status unknown" \
    status-unknown \
    "$(verdict "${CAS[@]}" --ocsp-url "$PKI_OCSP_URL" "$P/gen1/good.crt")"
pki_ocsp_stop

# A responder signing with a foreign CA's key: refused, unless that
# certificate is configured as a trusted responder.
pki_ocsp_start gen1 --rsigner "$P/other/ca.crt" --rkey "$P/other/ca.key.pem" ||
    harness_bail "cannot start openssl ocsp"
check_eq "OCSP signed by a foreign CA: status unknown" status-unknown \
    "$(verdict "${CAS[@]}" --ocsp-url "$PKI_OCSP_URL" "$P/gen1/good.crt")"
check_eq "  the same responder configured as trusted (ocsp_responder_ca): ok" \
    ok "$(verdict "${CAS[@]}" --ocsp-url "$PKI_OCSP_URL" \
        --responder "$P/other/ca.crt" "$P/gen1/good.crt")"
check_eq "  and revoked stays revoked" revoked \
    "$(verdict "${CAS[@]}" --ocsp-url "$PKI_OCSP_URL" \
        --responder "$P/other/ca.crt" "$P/gen1/revoked.crt")"
down_url=$PKI_OCSP_URL
pki_ocsp_stop

start=$(date +%s)
check_eq "OCSP responder down: status unknown (fail closed)" status-unknown \
    "$(verdict "${CAS[@]}" --ocsp-url "$down_url" --timeout-ms 1000 \
        "$P/gen1/good.crt")"
check "  within the timeout (1 s, a few s at most)" \
    test $(($(date +%s) - start)) -le 4

# ------------------------------------------------- the card's certificate
# Expired and revoked cards for the end-to-end tests: re-issue the card's
# authentication certificate for its own key and check that the card
# serves it.
pki_card_auth gen1 "$W/card-exp" --start '-40 days' --end '-1 day' ||
    harness_bail "pki_card_auth failed"
check_eq "re-issued card certificate: expired" expired \
    "$(verdict "${CAS[@]}" "$W/card-exp/auth.crt")"
pki_card_auth gen1 "$W/card-rev" && pki_revoke gen1 "$PKI_CERT" &&
    pki_crl gen1 "$W/gen1-2.crl" || harness_bail "cannot revoke the card"
check_eq "re-issued card certificate, then revoked: revoked (CRL)" revoked \
    "$(verdict "${CAS[@]}" --crl "$W/gen1-2.crl" --crl "$W/gen2.crl" \
        "$W/card-rev/auth.crt")"
pki_ocsp_start gen1 || harness_bail "cannot start openssl ocsp"
check_eq "re-issued card certificate, then revoked: revoked (OCSP)" revoked \
    "$(verdict "${CAS[@]}" --ocsp-url "$PKI_OCSP_URL" "$W/card-rev/auth.crt")"
pki_ocsp_stop
check_eq "the card's key still matches its new certificate" \
    "$(openssl pkey -in "$W/card-exp/auth.key.pem" -pubout 2>/dev/null)" \
    "$(openssl x509 -inform DER -in "$W/card-exp/auth.crt" -noout -pubkey)"

harness_require
harness_start_pcscd
harness_start_vcard "$W/card-exp"
served=$(read_ef 000A "$SELECT_JPKI")
check_eq "the card serves the re-issued certificate (EF 000A)" \
    "$(hex_of_file "$W/card-exp/auth.crt")" "$served"
harness_stop_vcard || fail "myna-vcard exited with status $HARNESS_VCARD_STATUS"

harness_done
