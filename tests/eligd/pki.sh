# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2015,SC2034
# (SC2015: "step && step || fail" chains; SC2034: the PKI_* results are
# for the scripts that source this file)
#
# tests/eligd/pki.sh - a test PKI for the eligibility service, made with
# the openssl CLI (`openssl ca`, its index.txt and `openssl ocsp`), so that
# tests meet real CRLs and a real OCSP responder.  Sourced by
# tests/eligd/trust.sh and by the end-to-end tests of expired and revoked
# cards; reusable by any bash test.
#
#   pki_init DIR
#       Work directory for every CA; sets PKI_DIR.  Call it first.
#   pki_ca NAME [--import CRT KEY | --same-dn-as CA] [--days N]
#       A CA in $PKI_DIR/NAME: ca.crt (PEM), ca.key.pem, index.txt,
#       serial, crlnumber, openssl.cnf.  --import takes an existing CA
#       (DER or PEM certificate, PEM key), e.g. myna-vcard's PKI/auth-ca.crt
#       and PKI/auth-ca.key.pem, so that the virtual card's CA is one
#       generation.  --same-dn-as CA makes a new generation: the subject of
#       CA byte for byte, a new key (what a CA key rollover looks like).
#       Otherwise C=JP,O=JPKI-TEST,OU=<NAME>.  Sets PKI_CA_CRT.
#   pki_issue_auth CA NAME [--days N] [--start WHEN] [--end WHEN]
#                  [--key FILE] [--ku VALUE|none] [--ocsp URL] [--der FILE]
#                  [--not-in-index]
#       A user-authentication certificate in the JPKI profile (critical
#       keyUsage digitalSignature, AKID, SKID; card-protocol.md §12.3)
#       issued by CA with `openssl ca`: $PKI_DIR/CA/NAME.crt (PEM) and,
#       unless --key gives an existing key, NAME.key.pem.  Validity: --days
#       from now (default 365), or --start/--end, each anything `date -d`
#       takes ("now", "-3 days", "@1795602601").  A past --end gives an
#       expired certificate, a future --start a not-yet-valid one.
#       --ku sets keyUsage (e.g. "digitalSignature" non-critical,
#       "critical,keyEncipherment") or leaves it out (none).  --ocsp adds
#       an AIA OCSP URL.  --der also writes the DER form there.
#       --not-in-index signs with `openssl x509` instead: the CA's
#       database (and so its OCSP responder) does not know the certificate.
#       Sets PKI_CERT and PKI_KEY.
#   pki_card_auth CA CARD [validity and --ku options as above]
#       Re-issue a virtual card's authentication certificate (made by
#       `myna-vcard create`) from CA for the card's own key: CARD/auth.crt
#       (DER, what myna-vcard reads at start) is replaced and a PEM copy
#       kept as $PKI_DIR/CA/card-<basename CARD>.crt.  This is how an
#       expired or revoked card is made: myna-vcard needs no option, the
#       card serves whatever certificate CARD/auth.crt holds.  Sets
#       PKI_CERT.
#   pki_ocsp_signer CA NAME [--eku VALUE]
#       A delegated OCSP responder certificate issued by CA (extended key
#       usage OCSPSigning unless --eku says otherwise, e.g. clientAuth to
#       make a responder the client must not trust): $PKI_DIR/CA/NAME.crt
#       and NAME.key.pem.  Sets PKI_CERT and PKI_KEY.
#   pki_revoke CA CERT [REASON]
#       Mark CERT revoked in CA's index.txt (`openssl ca -revoke`).
#   pki_crl CA OUT [--hours N | --stale]
#       `openssl ca -gencrl` to OUT (PEM): current for N hours (default
#       24), or --stale: issued two days ago, nextUpdate yesterday.
#   pki_ocsp_start CA [--rsigner CRT --rkey KEY] [--nmin N]
#       An `openssl ocsp` responder for CA's index.txt on a free port
#       (chosen by the responder: -port 0), answering with nextUpdate N
#       minutes ahead (default 5; 0: no nextUpdate), signed by CA itself
#       or by --rsigner.  Waits until it listens.  Sets PKI_OCSP_URL
#       (http://127.0.0.1:PORT/) and PKI_OCSP_PID; `openssl ocsp` reads its
#       index once, so revoke before starting it (or restart it).
#   pki_ocsp_stop
#       Stop the responder started last (SIGTERM, then SIGKILL).
#   pki_time WHEN
#       openssl's time format (YYYYMMDDHHMMSSZ, UTC) for a `date -d` string.
#
# Every function returns non-zero with a message on stderr when a step
# fails; the openssl output goes to $PKI_DIR/pki.log.  Keys are
# unencrypted RSA-2048, test material only.

PKI_DIR=
PKI_CA_CRT=
PKI_CERT=
PKI_KEY=
PKI_OCSP_URL=
PKI_OCSP_PID=

pki__log() {
    printf '+ %s\n' "$*" >>"$PKI_DIR/pki.log"
    "$@" >>"$PKI_DIR/pki.log" 2>&1
}

pki__fail() {
    printf 'pki.sh: %s (see %s/pki.log)\n' "$*" "$PKI_DIR" >&2
    return 1
}

pki_time() {
    date -u -d "$1" +%Y%m%d%H%M%SZ
}

pki_init() {
    PKI_DIR=$1
    mkdir -p "$PKI_DIR" || {
        echo "pki.sh: cannot create $1" >&2
        return 1
    }
    : >>"$PKI_DIR/pki.log"
}

# The `openssl ca` configuration of one CA; extension sections are written
# per certificate (pki__extfile) so that each can differ.
pki__config() {
    local d=$1
    cat >"$d/openssl.cnf" <<EOF
[ ca ]
default_ca = CA_default

[ CA_default ]
dir = $d
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/ca.crt
private_key = \$dir/ca.key.pem
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
default_days = 365
default_crl_days = 1
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes
utf8 = yes
string_mask = utf8only
crl_extensions = crl_ext

[ policy_any ]
countryName = optional
commonName = optional

[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ req ]
distinguished_name = req_dn
prompt = no
utf8 = yes
string_mask = utf8only

[ req_dn ]
CN = unused

[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
}

pki__prepare_dir() {
    local d=$1
    mkdir -p "$d/newcerts" || return 1
    : >"$d/index.txt"
    # a random positive serial, 8 hex digits, as the JPKI ones look
    printf '%X%s\n' $((RANDOM % 7 + 1)) "$(openssl rand -hex 4 | cut -c2- | tr a-f A-F)" >"$d/serial"
    echo 01 >"$d/crlnumber"
    pki__config "$d"
}

pki_ca() {
    local name=$1 d=$PKI_DIR/$1 days=3650 import_crt='' import_key='' same=''
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --import) import_crt=$2 import_key=$3; shift 3 ;;
        --same-dn-as) same=$2; shift 2 ;;
        --days) days=$2; shift 2 ;;
        *) pki__fail "pki_ca: unknown option $1"; return 1 ;;
        esac
    done
    pki__prepare_dir "$d" || return 1
    if [ -n "$import_crt" ]; then
        { openssl x509 -in "$import_crt" -out "$d/ca.crt" 2>/dev/null ||
            openssl x509 -inform DER -in "$import_crt" -out "$d/ca.crt"; } \
            >>"$PKI_DIR/pki.log" 2>&1 &&
            cp "$import_key" "$d/ca.key.pem" ||
            { pki__fail "pki_ca: cannot import $import_crt"; return 1; }
    elif [ -n "$same" ]; then
        # The old generation's certificate re-signed with a new key and
        # fresh extensions: the same subject bytes, a new SKID.
        pki__log openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
            -out "$d/ca.key.pem" &&
            pki__log openssl x509 -in "$PKI_DIR/$same/ca.crt" \
                -key "$d/ca.key.pem" -clrext -extfile "$d/openssl.cnf" \
                -extensions ca_ext -days "$days" -set_serial "0x$(cat "$d/serial")" \
                -out "$d/ca.crt" ||
            { pki__fail "pki_ca: cannot make $name"; return 1; }
    else
        pki__log openssl req -x509 -new -newkey rsa:2048 -nodes \
            -keyout "$d/ca.key.pem" -config "$d/openssl.cnf" \
            -subj "/C=JP/O=JPKI-TEST/OU=$name" -extensions ca_ext \
            -days "$days" -out "$d/ca.crt" ||
            { pki__fail "pki_ca: cannot make $name"; return 1; }
    fi
    PKI_CA_CRT=$d/ca.crt
}

# pki__extfile FILE KU OCSP-URL EKU: the extensions of one certificate.
pki__extfile() {
    {
        echo '[ ext ]'
        [ "$2" = none ] || echo "keyUsage = $2"
        [ -z "$4" ] || echo "extendedKeyUsage = $4"
        echo 'authorityKeyIdentifier = keyid:always'
        echo 'subjectKeyIdentifier = hash'
        [ -z "$3" ] || echo "authorityInfoAccess = OCSP;URI:$3"
    } >"$1"
}

# 20 upper-case hex digits, the shape of a JPKI auth CN (§12.3).
pki__cn() {
    openssl rand -hex 10 | tr a-f A-F
}

pki__issue() {
    local ca=$1 name=$2 d=$PKI_DIR/$1
    shift 2
    local days=365 start='' end='' key='' ku='critical,digitalSignature' ocsp='' der=''
    local eku='' in_index=1
    while [ $# -gt 0 ]; do
        case $1 in
        --days) days=$2; shift 2 ;;
        --start) start=$2; shift 2 ;;
        --end) end=$2; shift 2 ;;
        --key) key=$2; shift 2 ;;
        --ku) ku=$2; shift 2 ;;
        --eku) eku=$2; shift 2 ;;
        --ocsp) ocsp=$2; shift 2 ;;
        --der) der=$2; shift 2 ;;
        --not-in-index) in_index=0; shift ;;
        *) pki__fail "pki_issue: unknown option $1"; return 1 ;;
        esac
    done
    [ -f "$d/ca.crt" ] || { pki__fail "no CA named $ca"; return 1; }
    if [ -z "$key" ]; then
        key=$d/$name.key.pem
        pki__log openssl genpkey -algorithm RSA \
            -pkeyopt rsa_keygen_bits:2048 -out "$key" ||
            { pki__fail "cannot make a key for $name"; return 1; }
    fi
    pki__extfile "$d/$name.ext" "$ku" "$ocsp" "$eku"
    pki__log openssl req -new -key "$key" -config "$d/openssl.cnf" \
        -subj "/C=JP/CN=$(pki__cn)" -out "$d/$name.csr" ||
        { pki__fail "cannot make a request for $name"; return 1; }
    local when=()
    if [ -n "$start" ] || [ -n "$end" ]; then
        when=(-startdate "$(pki_time "${start:-now}")"
            -enddate "$(pki_time "${end:-+365 days}")")
    else
        when=(-days "$days")
    fi
    if [ "$in_index" = 1 ]; then
        pki__log openssl ca -batch -config "$d/openssl.cnf" -notext \
            -extfile "$d/$name.ext" -extensions ext "${when[@]}" \
            -in "$d/$name.csr" -out "$d/$name.crt" ||
            { pki__fail "openssl ca refused $name"; return 1; }
    else
        # openssl x509 -req knows -days only: --start/--end need the index
        pki__log openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" \
            -CAkey "$d/ca.key.pem" -set_serial "0x$(openssl rand -hex 4)" \
            -days "$days" -extfile "$d/$name.ext" -extensions ext \
            -out "$d/$name.crt" ||
            { pki__fail "openssl x509 refused $name"; return 1; }
    fi
    if [ -n "$der" ]; then
        pki__log openssl x509 -in "$d/$name.crt" -outform DER -out "$der" ||
            { pki__fail "cannot write $der"; return 1; }
    fi
    PKI_CERT=$d/$name.crt
    PKI_KEY=$key
}

pki_issue_auth() {
    pki__issue "$@"
}

pki_card_auth() {
    local ca=$1 card=$2
    shift 2
    [ -f "$card/auth.key.pem" ] || { pki__fail "$card is not a card directory"; return 1; }
    pki__issue "$ca" "card-$(basename "$card")" --key "$card/auth.key.pem" \
        --der "$card/auth.crt" "$@"
}

pki_ocsp_signer() {
    local ca=$1 name=$2 eku=OCSPSigning
    shift 2
    if [ "${1:-}" = --eku ]; then
        eku=$2
    fi
    pki__issue "$ca" "$name" --ku 'critical,digitalSignature' --eku "$eku"
}

pki_revoke() {
    local ca=$1 cert=$2 reason=${3:-keyCompromise} d=$PKI_DIR/$1
    pki__log openssl ca -config "$d/openssl.cnf" -revoke "$cert" \
        -crl_reason "$reason" ||
        { pki__fail "cannot revoke $cert"; return 1; }
}

pki_crl() {
    local ca=$1 out=$2 d=$PKI_DIR/$1 when=(-crlhours 24)
    shift 2
    case ${1:-} in
    --hours) when=(-crlhours "$2") ;;
    --stale) when=(-crl_lastupdate "$(pki_time '-2 days')"
        -crl_nextupdate "$(pki_time '-1 day')") ;;
    '') ;;
    *) pki__fail "pki_crl: unknown option $1"; return 1 ;;
    esac
    pki__log openssl ca -config "$d/openssl.cnf" -gencrl "${when[@]}" \
        -out "$out" || { pki__fail "cannot make the CRL of $ca"; return 1; }
}

pki_ocsp_start() {
    local ca=$1 d=$PKI_DIR/$1 rsigner='' rkey='' nmin=5 i port log
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --rsigner) rsigner=$2; shift 2 ;;
        --rkey) rkey=$2; shift 2 ;;
        --nmin) nmin=$2; shift 2 ;;
        *) pki__fail "pki_ocsp_start: unknown option $1"; return 1 ;;
        esac
    done
    : "${rsigner:=$d/ca.crt}" "${rkey:=$d/ca.key.pem}"
    local next=()
    [ "$nmin" = 0 ] || next=(-nmin "$nmin")
    log=$PKI_DIR/ocsp.$$.$RANDOM.log
    : >"$log" # read below before the background job may have opened it
    # -port 0: the responder picks a free port and prints
    # "ACCEPT [::]:PORT PID=N" on stdout.  -ignore_err keeps it up after
    # a malformed request.
    openssl ocsp -index "$d/index.txt" -CA "$d/ca.crt" -rsigner "$rsigner" \
        -rkey "$rkey" -port 0 "${next[@]}" -ignore_err >"$log" 2>&1 &
    PKI_OCSP_PID=$!
    for ((i = 0; i < 100; i++)); do
        port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\) .*/\1/p' "$log" | head -n 1)
        if [ -n "$port" ]; then
            PKI_OCSP_URL=http://127.0.0.1:$port/
            return 0
        fi
        kill -0 "$PKI_OCSP_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >>"$PKI_DIR/pki.log"
    pki_ocsp_stop
    pki__fail "the OCSP responder for $ca did not start"
}

pki_ocsp_stop() {
    local pid=$PKI_OCSP_PID i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    PKI_OCSP_PID=
    PKI_OCSP_URL=
    return 0
}
