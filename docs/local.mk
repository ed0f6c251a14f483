# SPDX-License-Identifier: LGPL-2.1-or-later
dist_man_MANS += docs/myna-vcard.1 docs/myna-pkcs11.7 docs/myna-provider.7 \
	docs/myna-card.1
dist_doc_DATA += docs/testing.md docs/card-emulation.md docs/pkcs11-module.md \
	docs/HACKING.md docs/eligibility-protocol.md \
	docs/myna-provider.cnf
