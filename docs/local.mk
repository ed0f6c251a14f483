# SPDX-License-Identifier: LGPL-2.1-or-later
dist_man_MANS += docs/myna-vcard.1 docs/myna-pkcs11.7 docs/myna-provider.7 \
	docs/myna-card.1 docs/myna-qualify.1 docs/myna-eligd.8
dist_doc_DATA += docs/testing.md docs/card-emulation.md docs/pkcs11-module.md \
	docs/HACKING.md docs/eligibility-protocol.md docs/security.md \
	docs/install.md
EXTRA_DIST += docs/eligd-attacks.md
# Installed with this installation's paths by provider/local.mk.
EXTRA_DIST += docs/myna-provider.cnf
# The guides keep their own directory (they link to each other).
guidesdir = $(docdir)/guides
dist_guides_DATA = docs/guides/README.md docs/guides/p11-kit.md \
	docs/guides/p11-kit-remote.md docs/guides/firefox-chromium.md \
	docs/guides/openssh.md docs/guides/openssl.md docs/guides/gnutls.md \
	docs/guides/java.md docs/guides/curl.md docs/guides/web-servers.md
EXTRA_DIST += docs/examples/demo-people.json
