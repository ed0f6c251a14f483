# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Test layers (docs/testing.md):
#   unit/         cmocka tests of pure code, in-process virtual card
#   fuzz/         libFuzzer targets; their corpora replay here
#   integration/  real pcscd + vsmartcard-vpcd + myna-vcard, and OpenSC as
#                 an independent client; each script starts and ends its own
#                 private pcscd (tests/harness/lib.sh)

AM_TESTS_ENVIRONMENT = \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	MYNA_VCARD='$(abs_top_builddir)/tools/myna-vcard'; export MYNA_VCARD;

# The sanitizer phase (./configure --enable-sanitizers; scripts/test
# --sanitizers runs it in its own tree): every program and library we build
# carries ASan + UBSan (SAN_CFLAGS) and the whole suite runs again, but for
# the valgrind tests (valgrind cannot run ASan code; they run in the plain
# phase).  Programs we do not build that load our module or provider run
# through tests/harness/asan-wrap, which preloads the ASan runtime.  Every
# report goes to tests/sanitizer-reports/ (named after the program), and
# tests/harness/sanitizer-reports fails the phase on any report that
# concerns our code, also from daemons whose exit status no test sees.
# Not wrapped: curl and trust, which no test makes load our code.  With
# the runtime comes tests/harness/asan-host-shim.so, without which programs
# linked with libp11-kit deadlock (the why is in asan-host-shim.c); it is
# built without sanitizers, as the programs it goes into.
if SANITIZERS
check_LTLIBRARIES += tests/harness/asan-host-shim.la
tests_harness_asan_host_shim_la_SOURCES = tests/harness/asan-host-shim.c
tests_harness_asan_host_shim_la_CFLAGS = -std=gnu11 $(WARN_CFLAGS)
tests_harness_asan_host_shim_la_LDFLAGS = -module -avoid-version \
	-rpath /nowhere
ASAN_WRAPPED_COMMANDS = certtool certutil java keytool modutil openssl \
	p11-kit p11tool pkcs11-tool ssh ssh-add ssh-agent ssh-keygen \
	ssh-pkcs11-helper
SANITIZER_REPORTS = $(abs_top_builddir)/tests/sanitizer-reports
AM_TESTS_ENVIRONMENT += \
	MYNA_SANITIZERS=1; export MYNA_SANITIZERS; \
	MYNA_ASAN_RUNTIME='$(ASAN_RUNTIME)'; export MYNA_ASAN_RUNTIME; \
	MYNA_ASAN_SHIM='$(abs_top_builddir)/tests/harness/.libs/asan-host-shim.so'; \
	export MYNA_ASAN_SHIM; \
	PATH='$(abs_top_builddir)/tests/asan-bin':"$$PATH"; export PATH; \
	SSH_PKCS11_HELPER='$(abs_top_builddir)/tests/asan-bin/ssh-pkcs11-helper'; \
	export SSH_PKCS11_HELPER; \
	ASAN_OPTIONS='log_path=$(SANITIZER_REPORTS)/asan:log_exe_name=1:halt_on_error=1:detect_leaks=1'; \
	export ASAN_OPTIONS; \
	UBSAN_OPTIONS='log_path=$(SANITIZER_REPORTS)/ubsan:log_exe_name=1:print_stacktrace=1:halt_on_error=1'; \
	export UBSAN_OPTIONS; \
	LSAN_OPTIONS='suppressions=$(abs_top_srcdir)/tests/lsan.supp'; \
	export LSAN_OPTIONS;
check_SCRIPTS = tests/asan-bin/.stamp
tests/asan-bin/.stamp: $(top_srcdir)/tests/harness/asan-wrap Makefile
	$(AM_V_GEN)rm -rf tests/asan-bin && $(MKDIR_P) tests/asan-bin && \
	for p in $(ASAN_WRAPPED_COMMANDS); do \
	    ln -s '$(abs_top_srcdir)/tests/harness/asan-wrap' tests/asan-bin/$$p || exit 1; \
	done && $(MKDIR_P) '$(SANITIZER_REPORTS)' && touch $@
endif
EXTRA_DIST += tests/harness/asan-wrap tests/harness/sanitizer-reports \
	tests/harness/asan-host-shim.c

VCARD_TEST_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(CMOCKA_CFLAGS) \
	-I$(top_srcdir)/tools/vcard -I$(top_srcdir)/tests/unit
VCARD_TEST_LIBS = tools/vcard/libvcard.la $(CRYPTO_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-vcard-apdu tests/unit/test-vcard-card \
	tests/unit/pki-check tests/fuzz/replay-vcard
tests_unit_test_vcard_apdu_SOURCES = tests/unit/test-vcard-apdu.c
tests_unit_test_vcard_apdu_CFLAGS = $(VCARD_TEST_CFLAGS)
tests_unit_test_vcard_apdu_LDADD = $(VCARD_TEST_LIBS)
tests_unit_test_vcard_card_SOURCES = tests/unit/test-vcard-card.c \
	tests/unit/vcard-fixture.c tests/unit/vcard-fixture.h
tests_unit_test_vcard_card_CFLAGS = $(VCARD_TEST_CFLAGS)
tests_unit_test_vcard_card_LDADD = $(VCARD_TEST_LIBS)
tests_unit_pki_check_SOURCES = tests/unit/pki-check.c
tests_unit_pki_check_CFLAGS = $(VCARD_TEST_CFLAGS)
tests_unit_pki_check_LDADD = $(VCARD_TEST_LIBS)
tests_fuzz_replay_vcard_SOURCES = tests/fuzz/fuzz-vcard-apdu.c \
	tests/fuzz/replay.c tests/unit/vcard-fixture.c
tests_fuzz_replay_vcard_CFLAGS = $(VCARD_TEST_CFLAGS)
tests_fuzz_replay_vcard_LDADD = $(VCARD_TEST_LIBS)

dist_check_SCRIPTS += tests/fuzz/replay-vcard.sh \
	tests/integration/apdu-conformance.sh \
	tests/integration/lockout.sh \
	tests/integration/opensc-crosscheck.sh \
	tests/integration/faults.sh \
	tests/integration/module-pkcs11-tool.sh \
	tests/integration/module-ecosystem.sh \
	tests/integration/guides.sh \
	tests/integration/pin-safety.sh
EXTRA_DIST += tests/harness/lib.sh tests/summary.sh tests/fuzz/corpus \
	tests/fuzz/replay.sh

TESTS += tests/unit/test-vcard-apdu tests/unit/test-vcard-card \
	tests/unit/pki-check tests/fuzz/replay-vcard.sh \
	tests/integration/apdu-conformance.sh \
	tests/integration/lockout.sh \
	tests/integration/opensc-crosscheck.sh \
	tests/integration/faults.sh \
	tests/integration/module-pkcs11-tool.sh \
	tests/integration/module-ecosystem.sh \
	tests/integration/guides.sh \
	tests/integration/pin-safety.sh

# Integration tests each start a pcscd: give them a little time, fail
# instead of hanging forever.

# The same unit tests and fuzz replay again with ASan + UBSan (any report
# fails the test), and under valgrind: sanitizers and valgrind are part of
# every make check, not a separate CI job.  Built from the sources, not
# from libvcard.la, so that every object carries the instrumentation.
ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
VCARD_SOURCES = $(tools_vcard_libvcard_la_SOURCES)
check_PROGRAMS += tests/unit/test-vcard-card-asan tests/unit/pki-check-asan \
	tests/fuzz/replay-vcard-asan
tests_unit_test_vcard_card_asan_SOURCES = $(tests_unit_test_vcard_card_SOURCES) \
	$(VCARD_SOURCES)
tests_unit_test_vcard_card_asan_CFLAGS = $(VCARD_TEST_CFLAGS) $(ASAN_FLAGS)
tests_unit_test_vcard_card_asan_LDFLAGS = $(ASAN_FLAGS)
tests_unit_test_vcard_card_asan_LDADD = $(CRYPTO_LIBS) $(CMOCKA_LIBS)
tests_unit_pki_check_asan_SOURCES = $(tests_unit_pki_check_SOURCES) \
	$(VCARD_SOURCES)
tests_unit_pki_check_asan_CFLAGS = $(VCARD_TEST_CFLAGS) $(ASAN_FLAGS)
tests_unit_pki_check_asan_LDFLAGS = $(ASAN_FLAGS)
tests_unit_pki_check_asan_LDADD = $(CRYPTO_LIBS)
tests_fuzz_replay_vcard_asan_SOURCES = $(tests_fuzz_replay_vcard_SOURCES) \
	$(VCARD_SOURCES)
tests_fuzz_replay_vcard_asan_CFLAGS = $(VCARD_TEST_CFLAGS) $(ASAN_FLAGS)
tests_fuzz_replay_vcard_asan_LDFLAGS = $(ASAN_FLAGS)
tests_fuzz_replay_vcard_asan_LDADD = $(CRYPTO_LIBS)

dist_check_SCRIPTS += tests/unit/sanitizers.sh tests/unit/valgrind.sh \
	tests/unit/sanitizer-reports.sh
TESTS += tests/unit/sanitizer-reports.sh
EXTRA_DIST += tests/valgrind.supp
TESTS += tests/unit/sanitizers.sh
if !SANITIZERS
TESTS += tests/unit/valgrind.sh
endif

# ---------------------------------------------------------------------
# myna-pkcs11: unit tests of the pure layers (cmocka), fuzz replays.
P11_TEST_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) $(PCSC_CFLAGS) \
	$(CRYPTO_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/pkcs11 \
	-I$(top_srcdir)/tests/unit
P11_TEST_LIBS = pkcs11/libmynap11.la $(CRYPTO_LIBS) $(CMOCKA_LIBS) -lpthread
P11_UNIT_TESTS = tests/unit/test-p11-attr tests/unit/test-p11-digest \
	tests/unit/test-p11-x509 tests/unit/test-p11-pin
check_PROGRAMS += $(P11_UNIT_TESTS) tests/fuzz/replay-p11-x509
TESTS += $(P11_UNIT_TESTS) tests/fuzz/replay-p11-x509.sh
dist_check_SCRIPTS += tests/fuzz/replay-p11-x509.sh
tests_unit_test_p11_attr_SOURCES = tests/unit/test-p11-attr.c
tests_unit_test_p11_attr_CFLAGS = $(P11_TEST_CFLAGS)
tests_unit_test_p11_attr_LDADD = $(P11_TEST_LIBS)
tests_unit_test_p11_digest_SOURCES = tests/unit/test-p11-digest.c
tests_unit_test_p11_digest_CFLAGS = $(P11_TEST_CFLAGS)
tests_unit_test_p11_digest_LDADD = $(P11_TEST_LIBS)
tests_unit_test_p11_x509_SOURCES = tests/unit/test-p11-x509.c
tests_unit_test_p11_x509_CFLAGS = $(P11_TEST_CFLAGS)
tests_unit_test_p11_x509_LDADD = $(P11_TEST_LIBS)
tests_unit_test_p11_pin_SOURCES = tests/unit/test-p11-pin.c
tests_unit_test_p11_pin_CFLAGS = $(P11_TEST_CFLAGS)
tests_unit_test_p11_pin_LDADD = $(P11_TEST_LIBS)
tests_fuzz_replay_p11_x509_SOURCES = tests/fuzz/fuzz-p11-x509.c \
	tests/fuzz/replay.c
tests_fuzz_replay_p11_x509_CFLAGS = $(P11_TEST_CFLAGS)
tests_fuzz_replay_p11_x509_LDADD = $(P11_TEST_LIBS)
# The card layer against the in-process virtual card (fake-io.c).
check_PROGRAMS += tests/unit/test-p11-card tests/fuzz/replay-p11-card
TESTS += tests/unit/test-p11-card tests/fuzz/replay-p11-card.sh
dist_check_SCRIPTS += tests/fuzz/replay-p11-card.sh
tests_unit_test_p11_card_SOURCES = tests/unit/test-p11-card.c \
	tests/unit/fake-io.c tests/unit/fake-io.h tests/unit/vcard-fixture.c
tests_unit_test_p11_card_CFLAGS = $(P11_TEST_CFLAGS) \
	-I$(top_srcdir)/tools/vcard
tests_unit_test_p11_card_LDADD = pkcs11/libmynap11.la \
	tools/vcard/libvcard.la $(CRYPTO_LIBS) $(CMOCKA_LIBS) -lpthread
tests_fuzz_replay_p11_card_SOURCES = tests/fuzz/fuzz-p11-card.c \
	tests/fuzz/replay.c
tests_fuzz_replay_p11_card_CFLAGS = $(P11_TEST_CFLAGS)
tests_fuzz_replay_p11_card_LDADD = $(P11_TEST_LIBS)

# The whole module (module.c and every layer but transport-pcsc.c) against
# a fuzzed card through tests/fuzz/fuzz-transport.c (issue #6); its seeds
# are real sessions recorded by gen-p11-module-seeds (gen-p11-module-seeds.sh
# makes a card with myna-vcard and regenerates them; the test checks that
# every recording still replays APDU for APDU).
P11_MODULE_CORE_SOURCES = pkcs11/attr.c pkcs11/card.c pkcs11/sw.c \
	pkcs11/digest.c pkcs11/log.c pkcs11/pin.c pkcs11/session.c \
	pkcs11/slot.c pkcs11/token.c pkcs11/x509.c pkcs11/module.c
P11_MODULE_FUZZ_SOURCES = tests/fuzz/fuzz-p11-module.c \
	tests/fuzz/fuzz-p11-module.h tests/fuzz/fuzz-transport.c \
	tests/fuzz/fuzz-transport.h tests/fuzz/p11-rv-sets.c \
	tests/fuzz/p11-rv-sets.h $(P11_MODULE_CORE_SOURCES)
P11_MODULE_FUZZ_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) $(CRYPTO_CFLAGS) \
	-I$(top_srcdir)/pkcs11 -pthread
check_PROGRAMS += tests/fuzz/replay-p11-module \
	tests/fuzz/replay-p11-module-asan tests/fuzz/gen-p11-module-seeds
TESTS += tests/fuzz/replay-p11-module.sh tests/fuzz/gen-p11-module-seeds.sh
dist_check_SCRIPTS += tests/fuzz/replay-p11-module.sh \
	tests/fuzz/gen-p11-module-seeds.sh
tests_fuzz_replay_p11_module_SOURCES = $(P11_MODULE_FUZZ_SOURCES) \
	tests/fuzz/replay.c
tests_fuzz_replay_p11_module_CFLAGS = $(P11_MODULE_FUZZ_CFLAGS)
tests_fuzz_replay_p11_module_LDADD = $(CRYPTO_LIBS) -lpthread
tests_fuzz_replay_p11_module_asan_SOURCES = \
	$(tests_fuzz_replay_p11_module_SOURCES)
tests_fuzz_replay_p11_module_asan_CFLAGS = $(P11_MODULE_FUZZ_CFLAGS) \
	$(ASAN_FLAGS)
tests_fuzz_replay_p11_module_asan_LDFLAGS = $(ASAN_FLAGS)
tests_fuzz_replay_p11_module_asan_LDADD = $(CRYPTO_LIBS) -lpthread
tests_fuzz_gen_p11_module_seeds_SOURCES = $(P11_MODULE_FUZZ_SOURCES) \
	tests/fuzz/gen-p11-module-seeds.c
tests_fuzz_gen_p11_module_seeds_CFLAGS = $(P11_MODULE_FUZZ_CFLAGS) \
	-I$(top_srcdir)/tools/vcard
tests_fuzz_gen_p11_module_seeds_LDADD = tools/vcard/libvcard.la \
	$(CRYPTO_LIBS) -lpthread

# The module's API contract and robustness through the real stack: a
# cmocka suite and a long-lived REPL driven by tests/module/test-module.sh
# (removal, swap, pcscd restart, C_WaitForSlotEvent).  The module is
# dlopen()ed, as applications load it.
check_PROGRAMS += tests/module/test-module
tests_module_test_module_SOURCES = tests/module/test-module.c
tests_module_test_module_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) \
	$(CRYPTO_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/pkcs11 -pthread
tests_module_test_module_LDADD = $(CMOCKA_LIBS) $(CRYPTO_LIBS) -ldl -lpthread
dist_check_SCRIPTS += tests/module/test-module.sh \
	tests/module/test-module-valgrind.sh
TESTS += tests/module/test-module.sh
if !SANITIZERS
TESTS += tests/module/test-module-valgrind.sh
endif

# The same suite and REPL with the module and the test program built with
# ASan + UBSan (tests/module/test-module-asan.sh): every object of the
# module carries the instrumentation, and the instrumented program loads
# the ASan runtime first, as ASan requires.
check_LTLIBRARIES += tests/module/myna-pkcs11-asan.la
tests_module_myna_pkcs11_asan_la_SOURCES = $(pkcs11_libmynap11_la_SOURCES) \
	$(pkcs11_myna_pkcs11_la_SOURCES)
tests_module_myna_pkcs11_asan_la_CFLAGS = $(pkcs11_libmynap11_la_CFLAGS) \
	$(ASAN_FLAGS)
tests_module_myna_pkcs11_asan_la_LIBADD = $(PCSC_LIBS) $(CRYPTO_LIBS) \
	-lpthread
tests_module_myna_pkcs11_asan_la_LDFLAGS = $(AM_LDFLAGS) $(ASAN_FLAGS) \
	-module -avoid-version -rpath /nowhere \
	-Wl,--version-script=$(top_srcdir)/pkcs11/myna-pkcs11.map
check_PROGRAMS += tests/module/test-module-asan
tests_module_test_module_asan_SOURCES = $(tests_module_test_module_SOURCES)
tests_module_test_module_asan_CFLAGS = $(tests_module_test_module_CFLAGS) \
	$(ASAN_FLAGS)
tests_module_test_module_asan_LDFLAGS = $(ASAN_FLAGS)
tests_module_test_module_asan_LDADD = $(tests_module_test_module_LDADD)
dist_check_SCRIPTS += tests/module/test-module-asan.sh
TESTS += tests/module/test-module-asan.sh

# The provider's RFC 7512 URI parser (pure).
check_PROGRAMS += tests/unit/test-uri tests/fuzz/replay-uri
TESTS += tests/unit/test-uri tests/fuzz/replay-uri.sh
dist_check_SCRIPTS += tests/fuzz/replay-uri.sh
URI_TEST_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(CMOCKA_CFLAGS) \
	-I$(top_srcdir)/provider
tests_unit_test_uri_SOURCES = tests/unit/test-uri.c provider/uri.c \
	provider/uri.h
tests_unit_test_uri_CFLAGS = $(URI_TEST_CFLAGS)
tests_unit_test_uri_LDADD = $(CRYPTO_LIBS) $(CMOCKA_LIBS)
tests_fuzz_replay_uri_SOURCES = tests/fuzz/fuzz-uri.c tests/fuzz/replay.c \
	provider/uri.c
tests_fuzz_replay_uri_CFLAGS = $(URI_TEST_CFLAGS)
tests_fuzz_replay_uri_LDADD = $(CRYPTO_LIBS)

# Installation layout and the Debian packages.
include tests/install/local.mk
