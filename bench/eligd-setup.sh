# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# bench/eligd-setup.sh - what bench/eligd-load.sh and bench/eligd-soak.sh
# share (sourced after tests/harness/lib.sh, tests/eligd/lib-eligd.sh,
# tests/eligd/pki.sh and harness_init):
#
#   bench_eligd_setup   builds bench/eligd-load.c into $LOAD; makes a
#                       virtual card ($W/card: key and certificate from
#                       myna-vcard init/create), a CRL of its CA
#                       ($W/jpki.crl, CA in $PKI_CA_CRT), the card's holder
#                       imported into $W/elig.db, the server's TLS files
#                       (eligd_server_pki).  Bails out on any failure.
#
# W must be set (the work directory, usually $HARNESS_DIR).

bench_eligd_setup() {
    LOAD=$W/eligd-load
    # shellcheck disable=SC2046 # pkg-config's words are separate arguments
    cc -std=gnu11 -O2 -Wall -o "$LOAD" "$top_srcdir/bench/eligd-load.c" \
        $(pkg-config --cflags --libs libcurl libcrypto) -lpthread ||
        harness_bail "cannot build bench/eligd-load.c"
    "$MYNA_VCARD" init --pki "$W/vpki" >>"$W/vcard.log" 2>&1 &&
        "$MYNA_VCARD" create --pki "$W/vpki" --card "$W/card" \
            >>"$W/vcard.log" 2>&1 || harness_bail "myna-vcard init/create failed"
    pki_init "$W/pki" &&
        pki_ca jpki --import "$W/vpki/auth-ca.crt" "$W/vpki/auth-ca.key.pem" &&
        pki_crl jpki "$W/jpki.crl" --hours 24 || harness_bail "cannot make the CRL"
    cat >"$W/people.json" <<JSON
[{"name":"試験　太郎","nameKana":"ｼｹﾝ ﾀﾛｳ","sex1":"1","birthdate":"19800217",
  "withheld":false,"certificates":[{"file":"card/auth.crt"}],
  "qualifications":[{"insuredCardClassification":"01",
    "insurerNumber":"06130488","insurerName":"試験健康保険組合",
    "insuredCardSymbol":"1234","insuredIdentificationNumber":"5678",
    "insuredBranchNumber":"01","personalFamilyClassification":"1",
    "insuredName":"試験　太郎","insuredCardValidDate":"20240401",
    "insuredCardExpirationDate":"20991231","qualificationDate":"20200401",
    "insuredPartialContributionRatio":"030"}]}]
JSON
    "$MYNA_ELIGD" import --db "$W/elig.db" "$W/people.json" >>"$W/import.log" 2>&1 ||
        { diag_file "$W/import.log"; harness_bail "myna-eligd import failed"; }
    eligd_server_pki
}
