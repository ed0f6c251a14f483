# SPDX-License-Identifier: LGPL-2.1-or-later

# The virtual My Number Card.  Everything but main.c is a convenience
# library so that unit tests and fuzz targets link the same code.
noinst_LTLIBRARIES += tools/vcard/libvcard.la
tools_vcard_libvcard_la_SOURCES = \
	tools/vcard/apdu.c tools/vcard/apdu.h \
	tools/vcard/apps.c \
	tools/vcard/card.c tools/vcard/card.h \
	tools/vcard/content.c tools/vcard/content.h \
	tools/vcard/people.c tools/vcard/people.h \
	tools/vcard/pki.c tools/vcard/pki.h \
	tools/vcard/serve.c tools/vcard/serve.h \
	tools/vcard/state.c tools/vcard/state.h \
	tools/vcard/trace.c tools/vcard/trace.h \
	tools/vcard/vpcd.c tools/vcard/vpcd.h
tools_vcard_libvcard_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
tools_vcard_libvcard_la_LIBADD = $(CRYPTO_LIBS)

bin_PROGRAMS += tools/myna-vcard
tools_myna_vcard_SOURCES = tools/vcard/main.c
tools_myna_vcard_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
tools_myna_vcard_LDADD = tools/vcard/libvcard.la $(CRYPTO_LIBS)

# The eligibility check (docs/eligibility-protocol.md): shared code, the
# service and the client, each in its own directory.
include tools/elig/local.mk
include tools/eligd/trust.mk
include tools/eligd/local.mk

# Card diagnostics.
include tools/card/local.mk

# The eligibility client.
include tools/qualify/local.mk
