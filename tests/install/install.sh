#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/install/install.sh - make install lands where the ecosystem looks,
# make uninstall leaves nothing, and debian/ builds lintian-clean packages
# (issue #7, docs/install.md).
#
#   1. make distdir: the tree as a tarball would carry it (so a file missing
#      from EXTRA_DIST fails here, as in make distcheck).
#   2. Debian layout: configure --prefix=/usr --libdir=/usr/lib/MULTIARCH in
#      a scratch build, make install DESTDIR=...: the module, its p11-kit
#      .module file and the provider must be where p11-kit and libcrypto
#      say they look (their pkg-config variables); every program has a man
#      page.  Then, in a private mount namespace, the DESTDIR directories
#      are bind-mounted over the system ones so that the unmodified
#      p11-kit list-modules and openssl see exactly what was installed:
#      p11-kit has no environment variable for its module config
#      directory, and as root it reads no user config (pkcs11.conf(5)).
#      make uninstall DESTDIR=... must leave no file.
#   3. Another prefix: every installed file stays under it.
#   4. dpkg-buildpackage -us -uc (DEB_BUILD_OPTIONS=nocheck) on a copy,
#      lintian on the .changes (source and binaries): no E: line; every file
#      make install produced is in exactly one .deb, the key files in the
#      package they belong to.
#
# Needs dpkg-dev, debhelper, lintian, p11-kit, openssl, unshare + mount
# (root or unprivileged user namespaces); skips (77) without them, fails in
# CI (CI=true / MYNA_NO_SKIP=1).  Takes about a minute on two cores.

. "$(dirname "$0")/../harness/lib.sh"

for t in make pkg-config dpkg-architecture dpkg-buildpackage dpkg-deb dh \
    lintian p11-kit openssl unshare mount; do
    command -v "$t" >/dev/null 2>&1 ||
        harness_unavailable install-check "required tool '$t' not found (scripts/setup installs it)"
done
[ -f "$top_builddir/Makefile" ] ||
    harness_bail "no configured build tree at $top_builddir"

harness_init
W=$HARNESS_DIR
# Our own make runs are independent of the make check that runs us.
unset MAKEFLAGS MFLAGS MAKELEVEL
JOBS=2

MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
P11_MODDIR=$(pkg-config --variable=p11_module_path p11-kit-1)
P11_CONFDIR=$(pkg-config --variable=p11_module_configs p11-kit-1)
P11_PROXY=$(pkg-config --variable=proxy_module p11-kit-1)
OSSL_DIR=$(pkg-config --variable=modulesdir libcrypto)
diag "multiarch $MA; p11-kit modules $P11_MODDIR, configs $P11_CONFDIR;" \
    "libcrypto modules $OSSL_DIR"

# run LOG CMD...: CMD's output goes to LOG; on failure its tail is shown.
run() {
    local log=$1 rc
    shift
    "$@" >"$log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || { diag "failed ($rc): $*"; diag_file "$log" 25; }
    return "$rc"
}

# files DIR: every non-directory under DIR, relative, sorted.
files() { (cd "$1" && find . ! -type d | sed 's|^\./|/|' | LC_ALL=C sort); }

# ============================================================ 1. the tree
SRC=$W/src/myna
mkdir -p "$W/src"
run "$W/distdir.log" make -C "$top_builddir" distdir distdir="$SRC" ||
    harness_bail "make distdir failed"
pass "make distdir: the distributed tree"

# ============================================================ 2. Debian layout
B=$W/build
D=$W/dest
mkdir -p "$B"
(cd "$B" && run "$W/configure.log" "$SRC/configure" --prefix=/usr \
    --libdir="/usr/lib/$MA" --sysconfdir=/etc --localstatedir=/var) ||
    harness_bail "configure (Debian layout) failed"
run "$W/make.log" make -C "$B" -j"$JOBS" || harness_bail "make failed"
check "make install DESTDIR (Debian layout)" \
    run "$W/install.log" make -C "$B" install DESTDIR="$D"
files "$D" >"$W/installed.txt"
diag "$(wc -l <"$W/installed.txt") files installed"

check "the module is in p11-kit's module directory" \
    test -f "$D$P11_MODDIR/myna-pkcs11.so"
check "its .module file is in p11-kit's config directory" \
    test -f "$D$P11_CONFDIR/myna.module"
# Installed into p11-kit's own directory, the .module names the bare file
# (identical on every architecture, as Debian's multiarch wants).
check_eq "myna.module names the module relative to p11-kit's directory" \
    "module: myna-pkcs11.so" "$(grep '^module:' "$D$P11_CONFDIR/myna.module")"
check "the provider is in libcrypto's modules directory" \
    test -f "$D$OSSL_DIR/myna.so"
CNF=$D/usr/share/myna/myna-provider.cnf
check "the openssl.cnf example is in /usr/share/myna" test -f "$CNF"
check_eq "the example loads p11-kit-proxy from its real path" \
    "pkcs11-module = $P11_PROXY" "$(grep '^pkcs11-module' "$CNF")"
check_eq "the example names the provider's installed path" \
    "# module = $OSSL_DIR/myna.so" "$(grep '^# module = ' "$CNF")"
# Under /etc only the service's options file, which nothing but its (not
# enabled) unit reads: installing activates no configuration.
check_eq "nothing else under /etc" "/etc/default/myna-eligd" \
    "$(grep '^/etc/' "$W/installed.txt" | grep -vxF /etc/default/myna-eligd ||
        echo /etc/default/myna-eligd)"
for m in man7/myna-pkcs11.7 man7/myna-provider.7; do
    check "man page $m" test -f "$D/usr/share/man/$m"
done
for prog in "$D"/usr/bin/* "$D"/usr/sbin/*; do
    [ -e "$prog" ] || continue
    name=$(basename "$prog")
    pages=$(find "$D/usr/share/man" -name "$name.[18]" | wc -l)
    check_eq "$name has a man page (section 1 or 8)" 1 "$pages"
done
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
UNITDIR=${UNITDIR:-/usr/lib/systemd/system}
ELIGD=
[ ! -e "$D/usr/bin/myna-eligd" ] || ELIGD=yes
if [ -n "$ELIGD" ]; then
    UNIT=$D$UNITDIR/myna-eligd.service
    check "myna-eligd's unit is in systemd's unit directory" test -f "$UNIT"
    check_eq "the unit runs the installed program" \
        "ExecStart=/usr/bin/myna-eligd serve" \
        "$(grep -o '^ExecStart=[^ ]* serve' "$UNIT")"
    check "its options file is /etc/default/myna-eligd" \
        test -f "$D/etc/default/myna-eligd"
    if command -v systemd-analyze >/dev/null 2>&1; then
        # verify resolves ExecStart in the real root: point it at ours.
        sed "s|=/usr/bin/myna-eligd|=$D/usr/bin/myna-eligd|" "$UNIT" \
            >"$W/myna-eligd.service"
        check "systemd-analyze verify accepts the unit" \
            systemd-analyze verify --man=no "$W/myna-eligd.service"
    fi
fi

# What p11-kit and OpenSSL themselves see once these files are installed.
if [ "$(id -u)" = 0 ]; then
    NS=(unshare --mount --propagation private)
else
    NS=(unshare --user --map-root-user --mount --propagation private)
fi
# shellcheck disable=SC2016  # expanded by the inner sh
in_installed_system() {
    P11_KIT_NO_USER_CONFIG=1 "${NS[@]}" sh -c '
        d=$1 conf=$2 mod=$3 ossl=$4; shift 4
        mount --bind "$d$conf" "$conf" && mount --bind "$d$mod" "$mod" &&
            mount --bind "$d$ossl" "$ossl" || exit 1
        exec "$@"' sh "$D" "$P11_CONFDIR" "$P11_MODDIR" "$OSSL_DIR" "$@"
}
out=$(in_installed_system p11-kit list-modules 2>&1)
diag "p11-kit list-modules:" "$out"
check_match "p11-kit list-modules finds the installed module" \
    "*myna: myna-pkcs11.so*" "$out"
check_match "and loads it (library description from C_GetInfo)" \
    "*library-description: My Number Card*" "$out"
out=$(in_installed_system openssl list -providers -provider myna 2>&1)
check_match "openssl loads the installed provider by name" \
    "*myna*status: active*" "$out" || diag "$out"
out=$(OPENSSL_CONF=$CNF in_installed_system openssl list -providers 2>&1)
check_match "the installed example activates myna next to default" \
    "*default*status: active*myna*status: active*" "$out" || diag "$out"

check "make uninstall DESTDIR" \
    run "$W/uninstall.log" make -C "$B" uninstall DESTDIR="$D"
check_eq "make uninstall leaves no file" "" "$(files "$D")"

# ============================================================ 3. other prefix
# Not the prefix of p11-kit, libcrypto or systemd: every default directory
# stays under it (what make distcheck relies on); DESTDIR keeps a wrong
# default from writing to the system.
B2=$W/build-prefix
P=$W/prefix
mkdir -p "$B2"
(cd "$B2" && run "$W/configure2.log" "$SRC/configure" --prefix="$P") ||
    harness_bail "configure --prefix=$P failed"
run "$W/make2.log" make -C "$B2" -j"$JOBS" || harness_bail "make (prefix) failed"
check "make install with --prefix=$P" \
    run "$W/install2.log" make -C "$B2" install DESTDIR="$W/dest2"
outside=$(files "$W/dest2" | grep -v "^$P/")
check_eq "every file is under the prefix" "" "$outside"
check_eq "the .module file names the module by its absolute path" \
    "module: $P/lib/pkcs11/myna-pkcs11.so" \
    "$(grep -s '^module:' "$W/dest2$P/share/p11-kit/modules/myna.module")"

# ============================================================ 4. packages
PKG=$W/pkg
mkdir -p "$PKG"
cp -a "$SRC" "$PKG/myna"
if run "$W/dpkg-buildpackage.log" env -C "$PKG/myna" \
    DEB_BUILD_OPTIONS="nocheck parallel=$JOBS" \
    dpkg-buildpackage -us -uc; then
    pass "dpkg-buildpackage -us -uc (nocheck)"
else
    fail "dpkg-buildpackage -us -uc (nocheck)"
    harness_done
fi
changes=$(ls "$PKG"/myna_*.changes)
lintian --display-info --pedantic "$changes" >"$W/lintian.txt" 2>&1
diag "lintian: $(grep -c '^E:' "$W/lintian.txt") errors, $(grep -c '^W:' \
    "$W/lintian.txt") warnings, $(grep -c '^[IP]:' "$W/lintian.txt") info/pedantic"
diag "$(grep '^[EWIP]:' "$W/lintian.txt" | head -n 30)"
check_eq "lintian: no errors" "" "$(grep '^E:' "$W/lintian.txt")"

# In each .deb: paths without ./, man pages without .gz, no directories.
: >"$W/packaged.txt"
for deb in "$PKG"/*.deb; do
    case $deb in *-dbgsym_*) continue ;; esac
    pkg=$(dpkg-deb -f "$deb" Package)
    dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' |
        sed -e 's|^\./|/|' -e 's|^\(/usr/share/man/.*\)\.gz$|\1|' \
            >"$W/deb-$pkg.txt"
    sed "s|\$| $pkg|" "$W/deb-$pkg.txt" >>"$W/packaged.txt"
done
# has PKG FILE: the package's file list holds FILE.
has() { grep -qxF "$2" "$W/deb-$1.txt"; }
for f in "$P11_MODDIR/myna-pkcs11.so" "$P11_CONFDIR/myna.module" \
    /usr/share/man/man7/myna-pkcs11.7; do
    check "myna-pkcs11 ships $f" has myna-pkcs11 "$f"
done
for f in "$OSSL_DIR/myna.so" /usr/share/myna/myna-provider.cnf \
    /usr/share/man/man7/myna-provider.7; do
    check "openssl-provider-myna ships $f" has openssl-provider-myna "$f"
done
for f in /usr/bin/myna-card /usr/share/man/man1/myna-card.1 \
    /usr/bin/myna-qualify /usr/share/man/man1/myna-qualify.1; do
    check "myna-tools ships $f" has myna-tools "$f"
done
for f in /usr/bin/myna-vcard /usr/share/man/man1/myna-vcard.1; do
    check "myna-vcard ships $f" has myna-vcard "$f"
done
if [ -n "$ELIGD" ]; then
    for f in /usr/bin/myna-eligd "$UNITDIR/myna-eligd.service" \
        /etc/default/myna-eligd /usr/lib/sysusers.d/myna-eligd.conf; do
        check "myna-eligd ships $f" has myna-eligd "$f"
    done
    check_match "myna-eligd creates its user in postinst (systemd-sysusers)" \
        "*systemd-sysusers*" "$(dpkg-deb -I "$(ls "$PKG"/myna-eligd_*.deb)" postinst 2>&1)"
fi
# Everything make install produced (but the libtool archives and the
# documentation directory, which debian/not-installed explains) is in
# exactly one package: a new program or file cannot be left out silently.
missing=
while IFS= read -r f; do
    case $f in *.la | /usr/share/doc/myna/*) continue ;; esac
    n=$(awk -v f="$f" '$1 == f' "$W/packaged.txt" | wc -l)
    [ "$n" -eq 1 ] || missing="$missing $f($n)"
done <"$W/installed.txt"
check_eq "each installed file is in exactly one package" "" "$missing"

harness_done
