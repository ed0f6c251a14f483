# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Installation and packaging (issue #7, docs/install.md).

# The tests that need no daemon, no root and no network: the cmocka unit
# tests (every TESTS entry that is a program) and the fuzz corpus
# replays.  What a package build (debian/rules) or any unprivileged build
# can run; make check runs them all.
NO_DAEMON_TESTS = $(filter-out %.sh,$(TESTS)) \
	$(filter tests/fuzz/replay-%.sh,$(TESTS))
check-unit:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(NO_DAEMON_TESTS)'
.PHONY: check-unit

# make install with the Debian layout into a scratch DESTDIR: files where
# p11-kit and libcrypto look, p11-kit list-modules and openssl see them,
# make uninstall leaves nothing; then dpkg-buildpackage, lintian and the
# contents of each .deb.  Builds the tree twice and the packages once.
dist_check_SCRIPTS += tests/install/install.sh
TESTS += tests/install/install.sh

# The Debian source package (debian/), so that make distdir (which
# tests/install/install.sh builds from) and tarballs carry it.
EXTRA_DIST += debian/changelog debian/control debian/copyright \
	debian/rules debian/source/format debian/not-installed \
	$(DEBIAN_PACKAGE_FILES)
DEBIAN_PACKAGE_FILES = \
	debian/myna-pkcs11.install debian/myna-pkcs11.docs \
	debian/myna-pkcs11.lintian-overrides \
	debian/openssl-provider-myna.lintian-overrides \
	debian/myna-vcard.lintian-overrides \
	debian/openssl-provider-myna.install debian/openssl-provider-myna.docs \
	debian/myna-tools.install debian/myna-tools.docs \
	debian/myna-vcard.install debian/myna-vcard.docs \
	debian/myna-eligd.install debian/myna-eligd.docs \
	debian/myna-eligd.lintian-overrides
