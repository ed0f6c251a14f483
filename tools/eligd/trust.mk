# SPDX-License-Identifier: LGPL-2.1-or-later
# myna-eligd's certificate checks (tools/eligd/trust.h, docs/eligibility-
# protocol.md §4 step 5, §8): a convenience library that myna-eligd links
# (tools/eligd/local.mk), its unit tests and the PKI shell test.
noinst_LTLIBRARIES += tools/eligd/libeligdtrust.la
TRUST_SOURCES = \
	tools/eligd/trust.c tools/eligd/trust.h tools/eligd/trust-int.h \
	tools/eligd/trust-cache.c \
	tools/eligd/trust-chain.c \
	tools/eligd/trust-crl.c \
	tools/eligd/trust-key.c \
	tools/eligd/trust-ocsp.c \
	tools/eligd/trust-set.c \
	tools/eligd/trust-time.c
tools_eligd_libeligdtrust_la_SOURCES = $(TRUST_SOURCES)
tools_eligd_libeligdtrust_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) -pthread
tools_eligd_libeligdtrust_la_LIBADD = $(CRYPTO_LIBS) -lpthread

TRUST_TEST_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(CMOCKA_CFLAGS) \
	-I$(top_srcdir)/tools/eligd -pthread
TRUST_TEST_LIBS = tools/eligd/libeligdtrust.la $(CRYPTO_LIBS) \
	$(CMOCKA_LIBS) -lpthread

# Unit tests: a PKI made in-process (tests/eligd/test-pki.c).
check_PROGRAMS += tests/eligd/test-trust
TESTS += tests/eligd/test-trust
tests_eligd_test_trust_SOURCES = tests/eligd/test-trust.c \
	tests/eligd/test-pki.c tests/eligd/test-pki.h
tests_eligd_test_trust_CFLAGS = $(TRUST_TEST_CFLAGS)
tests_eligd_test_trust_LDADD = $(TRUST_TEST_LIBS)
# ... and again with ASan + UBSan (tests/unit/sanitizers.sh runs it),
# built from the sources so that every object carries the instrumentation.
check_PROGRAMS += tests/eligd/test-trust-asan
tests_eligd_test_trust_asan_SOURCES = $(tests_eligd_test_trust_SOURCES) \
	$(TRUST_SOURCES)
tests_eligd_test_trust_asan_CFLAGS = $(TRUST_TEST_CFLAGS) $(ASAN_FLAGS)
tests_eligd_test_trust_asan_LDFLAGS = $(ASAN_FLAGS)
tests_eligd_test_trust_asan_LDADD = $(CRYPTO_LIBS) $(CMOCKA_LIBS) -lpthread

# The real PKI (openssl CLI, myna-vcard, an `openssl ocsp` responder)
# against elig_trust_check through a small driver.
check_PROGRAMS += tests/eligd/trust-check
tests_eligd_trust_check_SOURCES = tests/eligd/trust-check.c
tests_eligd_trust_check_CFLAGS = $(TRUST_TEST_CFLAGS)
tests_eligd_trust_check_LDADD = tools/eligd/libeligdtrust.la $(CRYPTO_LIBS) \
	-lpthread
dist_check_SCRIPTS += tests/eligd/trust.sh
EXTRA_DIST += tests/eligd/pki.sh
TESTS += tests/eligd/trust.sh
