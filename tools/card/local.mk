# SPDX-License-Identifier: LGPL-2.1-or-later
# myna-card: card diagnostics over the module's own card and PC/SC layers
# (pkcs11/libmynap11.la).  attrs.c parses what the card info AP returns;
# it is a library of its own so the unit test and fuzz target link it.
noinst_LTLIBRARIES += tools/card/libcardattrs.la
tools_card_libcardattrs_la_SOURCES = tools/card/attrs.c tools/card/attrs.h
tools_card_libcardattrs_la_CFLAGS = $(AM_CFLAGS)

bin_PROGRAMS += tools/myna-card
tools_myna_card_SOURCES = \
	tools/card/certs.c \
	tools/card/cmd.h \
	tools/card/info.c \
	tools/card/main.c \
	tools/card/output.c \
	tools/card/pin.c \
	tools/card/pinread.c tools/card/pinread.h \
	tools/card/readers.c \
	tools/card/session.c tools/card/session.h \
	tools/card/status.c
tools_myna_card_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) $(PCSC_CFLAGS) \
	$(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/pkcs11
tools_myna_card_LDADD = tools/card/libcardattrs.la pkcs11/libmynap11.la \
	$(PCSC_LIBS) $(CRYPTO_LIBS) $(JANSSON_LIBS) -lpthread

check_PROGRAMS += tests/unit/test-card-attrs tests/fuzz/replay-card-attrs
TESTS += tests/unit/test-card-attrs tests/fuzz/replay-card-attrs.sh \
	tests/integration/myna-card.sh
dist_check_SCRIPTS += tests/fuzz/replay-card-attrs.sh \
	tests/integration/myna-card.sh
tests_unit_test_card_attrs_SOURCES = tests/unit/test-card-attrs.c
tests_unit_test_card_attrs_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	-I$(top_srcdir)/tools/card
tests_unit_test_card_attrs_LDADD = tools/card/libcardattrs.la $(CMOCKA_LIBS)
tests_fuzz_replay_card_attrs_SOURCES = tests/fuzz/fuzz-card-attrs.c \
	tests/fuzz/replay.c
tests_fuzz_replay_card_attrs_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tools/card
tests_fuzz_replay_card_attrs_LDADD = tools/card/libcardattrs.la
