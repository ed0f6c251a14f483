# SPDX-License-Identifier: LGPL-2.1-or-later
# myna-eligd, the reference eligibility service (docs/myna-eligd.8,
# docs/eligibility-protocol.md).  Everything but main.c is a convenience
# library so that the unit tests and fuzz targets link the same code; the
# certificate checks are libeligdtrust.la (trust.mk).
ELIGD_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS) $(SQLITE_CFLAGS) \
	$(JANSSON_CFLAGS) $(CRYPTO_CFLAGS) -I$(top_srcdir)/tools/elig \
	-I$(top_srcdir)/tools/eligd -pthread
ELIGD_LIBS = tools/eligd/libeligd.la tools/eligd/libeligdtrust.la \
	tools/elig/libelig.la $(MHD_LIBS) \
	$(GNUTLS_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS) -lpthread

noinst_LTLIBRARIES += tools/eligd/libeligd.la
tools_eligd_libeligd_la_SOURCES = \
	tools/eligd/audit.c tools/eligd/audit.h \
	tools/eligd/certid.c tools/eligd/certid.h \
	tools/eligd/http.c tools/eligd/http.h \
	tools/eligd/import.c \
	tools/eligd/jws.c tools/eligd/jws.h \
	tools/eligd/nonce.c tools/eligd/nonce.h \
	tools/eligd/refusal.c tools/eligd/refusal.h \
	tools/eligd/request.c tools/eligd/request.h \
	tools/eligd/result.c tools/eligd/result.h \
	tools/eligd/service.c tools/eligd/service.h \
	tools/eligd/store-sqlite.c tools/eligd/store.h \
	tools/eligd/terminals.c tools/eligd/terminals.h
tools_eligd_libeligd_la_CFLAGS = $(ELIGD_CFLAGS)

bin_PROGRAMS += tools/myna-eligd
tools_myna_eligd_SOURCES = tools/eligd/main.c
tools_myna_eligd_CFLAGS = $(ELIGD_CFLAGS)
tools_myna_eligd_LDADD = $(ELIGD_LIBS)

# The real service over HTTPS on loopback (tests/eligd/eligd.sh).
TESTS += tests/eligd/eligd.sh
dist_check_SCRIPTS += tests/eligd/eligd.sh
EXTRA_DIST += tests/eligd/lib-eligd.sh

# Attacks and abuse while a valid client keeps being served
# (tests/eligd/abuse.sh, docs/eligd-attacks.md); it builds
# bench/eligd-load.c itself, as the benchmarks do.
TESTS += tests/eligd/abuse.sh
dist_check_SCRIPTS += tests/eligd/abuse.sh
EXTRA_DIST += tests/eligd/abuse-conn.py bench/eligd-load.c \
	bench/eligd-setup.sh bench/eligd-soak.sh

# Unit tests (cmocka): nonces, JWS and request members, the decision
# table, the store and its import.
ELIGD_UNIT_TESTS = tests/eligd/test-eligd-nonce tests/eligd/test-eligd-jws \
	tests/eligd/test-eligd-store
check_PROGRAMS += $(ELIGD_UNIT_TESTS)
TESTS += $(ELIGD_UNIT_TESTS)
tests_eligd_test_eligd_nonce_SOURCES = tests/eligd/test-eligd-nonce.c
tests_eligd_test_eligd_nonce_CFLAGS = $(ELIGD_CFLAGS) $(CMOCKA_CFLAGS)
tests_eligd_test_eligd_nonce_LDADD = $(ELIGD_LIBS) $(CMOCKA_LIBS)
tests_eligd_test_eligd_jws_SOURCES = tests/eligd/test-eligd-jws.c
tests_eligd_test_eligd_jws_CFLAGS = $(ELIGD_CFLAGS) $(CMOCKA_CFLAGS)
tests_eligd_test_eligd_jws_LDADD = $(ELIGD_LIBS) $(CMOCKA_LIBS)
tests_eligd_test_eligd_store_SOURCES = tests/eligd/test-eligd-store.c
tests_eligd_test_eligd_store_CFLAGS = $(ELIGD_CFLAGS) $(CMOCKA_CFLAGS)
tests_eligd_test_eligd_store_LDADD = $(ELIGD_LIBS) $(CMOCKA_LIBS)

# Fuzz targets (tests/fuzz/run-fuzzers.sh) and the replay of their
# committed seeds: the JWS + request parser, and the request handling
# without a socket.
check_PROGRAMS += tests/fuzz/replay-eligd-jws tests/fuzz/replay-eligd-http
TESTS += tests/fuzz/replay-eligd-jws.sh tests/fuzz/replay-eligd-http.sh
dist_check_SCRIPTS += tests/fuzz/replay-eligd-jws.sh \
	tests/fuzz/replay-eligd-http.sh
tests_fuzz_replay_eligd_jws_SOURCES = tests/fuzz/fuzz-eligd-jws.c \
	tests/fuzz/replay.c
tests_fuzz_replay_eligd_jws_CFLAGS = $(ELIGD_CFLAGS)
tests_fuzz_replay_eligd_jws_LDADD = $(ELIGD_LIBS)
tests_fuzz_replay_eligd_http_SOURCES = tests/fuzz/fuzz-eligd-http.c \
	tests/fuzz/replay.c
tests_fuzz_replay_eligd_http_CFLAGS = $(ELIGD_CFLAGS)
tests_fuzz_replay_eligd_http_LDADD = $(ELIGD_LIBS)

# The systemd unit, its options file and its system user, with this
# installation's directories; installed where systemd looks (configure's
# systemdsystemunitdir and sysusersdir), never enabled.
systemdsystemunit_DATA = tools/eligd/myna-eligd.service
eligddefaultdir = $(sysconfdir)/default
eligddefault_DATA = tools/eligd/default/myna-eligd
dist_sysusers_DATA = tools/eligd/sysusers/myna-eligd.conf
CLEANFILES += $(systemdsystemunit_DATA) $(eligddefault_DATA)
EXTRA_DIST += tools/eligd/myna-eligd.service.in \
	tools/eligd/myna-eligd.default.in
ELIGD_SUBST = sed -e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g'
tools/eligd/myna-eligd.service: $(srcdir)/tools/eligd/myna-eligd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) tools/eligd && \
	$(ELIGD_SUBST) $(srcdir)/tools/eligd/myna-eligd.service.in >$@.tmp && \
	mv $@.tmp $@
tools/eligd/default/myna-eligd: $(srcdir)/tools/eligd/myna-eligd.default.in Makefile
	$(AM_V_GEN)$(MKDIR_P) tools/eligd/default && \
	$(ELIGD_SUBST) $(srcdir)/tools/eligd/myna-eligd.default.in >$@.tmp && \
	mv $@.tmp $@
