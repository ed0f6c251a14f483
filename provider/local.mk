# SPDX-License-Identifier: LGPL-2.1-or-later
#
# myna.so, the OpenSSL 3 provider (issue #4), installed into libcrypto's
# modules directory ($(ossl_modulesdir), configure.ac).  A plain PKCS#11
# consumer: it dlopens the module named in openssl.cnf / the environment
# (default p11-kit-proxy).  Layers (docs: provider/ in design.md):
#   prov.c algs.c      OSSL_provider_init, provider ctx, algorithm tables
#   errors.c           reason strings, the one CK_RV -> reason map
#   p11.c              dlopen, C_GetInterface, C_Initialize, slots, pool
#   login.c            PIN sources and the login policy
#   store.c            OSSL_STORE loader for pkcs11: URIs (uri.c parses)
#   keymgmt-rsa.c sig-rsa.c   token RSA keys and signatures
#   keymgmt-ec.c sig-ecdsa.c  token EC keys and ECDSA (ec.h)
#   encoder.c          SubjectPublicKeyInfo (DER/PEM) of token keys
#   log.c              the debug trace (the only place that prints)
# Everything but prov.c is a convenience library, so tests can link it.

noinst_LTLIBRARIES += provider/libmynaprov.la
provider_libmynaprov_la_SOURCES = \
	provider/algs.c provider/encoder.c provider/errors.c provider/errors.h \
	provider/log.c \
	provider/ec.h provider/keymgmt-ec.c provider/keymgmt-rsa.c \
	provider/login.c provider/sig-ecdsa.c \
	provider/p11.c provider/p11.h provider/prov.h \
	provider/sig-rsa.c provider/store.c \
	provider/uri.c provider/uri.h
provider_libmynaprov_la_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) \
	$(CRYPTO_CFLAGS) -I$(top_srcdir)/pkcs11 -pthread
provider_libmynaprov_la_LIBADD = $(CRYPTO_LIBS) -ldl -lpthread

ossl_modules_LTLIBRARIES = provider/myna.la
provider_myna_la_SOURCES = provider/prov.c
provider_myna_la_CFLAGS = $(provider_libmynaprov_la_CFLAGS)
provider_myna_la_LIBADD = provider/libmynaprov.la $(CRYPTO_LIBS) -ldl \
	-lpthread
provider_myna_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-no-undefined -shared \
	-Wl,--version-script=$(top_srcdir)/provider/myna-provider.map
EXTRA_provider_myna_la_DEPENDENCIES = provider/myna-provider.map
EXTRA_DIST += provider/myna-provider.map

# The openssl.cnf snippet (docs/myna-provider.cnf, which the tests load from
# the source tree) with this installation's paths, installed as an example
# in $(pkgdatadir): nothing reads it until an openssl.cnf includes it or
# OPENSSL_CONF names it, so installing never changes what OpenSSL does.
pkgdata_DATA += provider/myna-provider.cnf
CLEANFILES += provider/myna-provider.cnf
provider/myna-provider.cnf: $(srcdir)/docs/myna-provider.cnf Makefile
	$(AM_V_GEN)$(MKDIR_P) provider && \
	sed -e 's|/usr/lib/x86_64-linux-gnu/ossl-modules/myna.so|$(ossl_modulesdir)/myna.so|' \
	    -e 's|/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so|$(P11KIT_PROXY_MODULE)|' \
	    -e "s|Paths are Debian's (x86_64)\.|Paths are this installation's.|" \
	    $(srcdir)/docs/myna-provider.cnf >$@.tmp && \
	mv $@.tmp $@

# Needs the provider, our module, softhsm2 and (for the card part) pcscd +
# vpcd + myna-vcard; skips (77) cleanly when they are missing.
dist_check_SCRIPTS += tests/provider/provider.sh \
	tests/provider/provider-tls.sh
TESTS += tests/provider/provider.sh tests/provider/provider-tls.sh
# EC keys and ECDSA (softhsm2 only); token CA key and card CMS signing.
dist_check_SCRIPTS += tests/provider/provider-ec.sh \
	tests/provider/provider-ca.sh
TESTS += tests/provider/provider-ec.sh tests/provider/provider-ca.sh
# CKA_ALWAYS_AUTHENTICATE key (softhsm2): context-specific login, no prompt.
dist_check_SCRIPTS += tests/provider/provider-auth.sh
TESTS += tests/provider/provider-auth.sh
# 4 threads x 50 EVP_DigestSign on one token key (run by provider.sh).
check_PROGRAMS += tests/provider/provider-threads
tests_provider_provider_threads_SOURCES = tests/provider/provider-threads.c
tests_provider_provider_threads_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) \
	-pthread
tests_provider_provider_threads_LDADD = $(CRYPTO_LIBS) -lpthread
# The provider under valgrind memcheck: openssl commands, card + softhsm2.
dist_check_SCRIPTS += tests/provider/provider-valgrind.sh
if !SANITIZERS
TESTS += tests/provider/provider-valgrind.sh
endif
# The provider built with ASan + UBSan for provider-asan.sh (named myna.so
# in its own directory, so that -provider-path finds it as "myna").
check_LTLIBRARIES += tests/provider/asan/myna.la
tests_provider_asan_myna_la_SOURCES = $(provider_libmynaprov_la_SOURCES) \
	$(provider_myna_la_SOURCES)
tests_provider_asan_myna_la_CFLAGS = $(provider_libmynaprov_la_CFLAGS) \
	$(ASAN_FLAGS)
tests_provider_asan_myna_la_LIBADD = $(CRYPTO_LIBS) -ldl -lpthread
tests_provider_asan_myna_la_LDFLAGS = $(AM_LDFLAGS) $(ASAN_FLAGS) \
	-module -avoid-version -rpath /nowhere \
	-Wl,--version-script=$(top_srcdir)/provider/myna-provider.map
dist_check_SCRIPTS += tests/provider/provider-asan.sh
EXTRA_DIST += tests/lsan.supp
TESTS += tests/provider/provider-asan.sh
