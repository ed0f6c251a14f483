# SPDX-License-Identifier: LGPL-2.1-or-later
# myna-qualify: the clinic's eligibility client (docs/myna-qualify.1,
# docs/eligibility-protocol.md).  response.c parses what the service
# answers; it is a library of its own so the fuzz target links it alone.
noinst_LTLIBRARIES += tools/qualify/libqualifyresp.la
tools_qualify_libqualifyresp_la_SOURCES = tools/qualify/response.c \
	tools/qualify/response.h
tools_qualify_libqualifyresp_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/tools/elig
tools_qualify_libqualifyresp_la_LIBADD = tools/elig/libelig.la $(JANSSON_LIBS)

bin_PROGRAMS += tools/myna-qualify
tools_myna_qualify_SOURCES = \
	tools/qualify/card.c \
	tools/qualify/common.c \
	tools/qualify/http.c \
	tools/qualify/insurance.c \
	tools/qualify/jws.c \
	tools/qualify/main.c \
	tools/qualify/oerr.c \
	tools/qualify/pin.c \
	tools/qualify/print.c \
	tools/qualify/qualify.h \
	tools/qualify/token.c
tools_myna_qualify_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(SSL_CFLAGS) $(P11KIT_CFLAGS) \
	$(CURL_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/tools/elig
tools_myna_qualify_LDADD = tools/qualify/libqualifyresp.la \
	tools/elig/libelig.la $(SSL_LIBS) $(CRYPTO_LIBS) $(CURL_LIBS) \
	$(JANSSON_LIBS)

# The response parser: unit test and fuzz corpus replay.
check_PROGRAMS += tests/unit/test-qualify-response \
	tests/fuzz/replay-qualify-response
TESTS += tests/unit/test-qualify-response \
	tests/fuzz/replay-qualify-response.sh
dist_check_SCRIPTS += tests/fuzz/replay-qualify-response.sh
tests_unit_test_qualify_response_SOURCES = tests/unit/test-qualify-response.c
tests_unit_test_qualify_response_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CMOCKA_CFLAGS) -I$(top_srcdir)/tools/elig -I$(top_srcdir)/tools/qualify
tests_unit_test_qualify_response_LDADD = tools/qualify/libqualifyresp.la \
	$(JANSSON_LIBS) $(CMOCKA_LIBS)
tests_fuzz_replay_qualify_response_SOURCES = \
	tests/fuzz/fuzz-qualify-response.c tests/fuzz/replay.c
tests_fuzz_replay_qualify_response_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/tools/elig -I$(top_srcdir)/tools/qualify
tests_fuzz_replay_qualify_response_LDADD = tools/qualify/libqualifyresp.la \
	$(JANSSON_LIBS)

# End to end (tests/e2e/lib.sh): real pcscd + myna-vcard + our module +
# the provider + libcurl over TLS; fixed-service.py answers fixed bytes.
dist_check_SCRIPTS += tests/e2e/qualify-client.sh
TESTS += tests/e2e/qualify-client.sh
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/fixed-service.py

# The whole chain against the real service: myna-qualify + the card (and
# softhsm2) against myna-eligd over HTTPS, with CRLs and an OCSP responder
# (issue #5's cases; tests/eligd/lib-eligd.sh and pki.sh).
dist_check_SCRIPTS += tests/e2e/qualify-eligd.sh
TESTS += tests/e2e/qualify-eligd.sh
