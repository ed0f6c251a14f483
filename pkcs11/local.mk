# SPDX-License-Identifier: LGPL-2.1-or-later
#
# myna-pkcs11.so: the My Number Card's JPKI application as a PKCS#11 3.0
# module.  Layers (docs/pkcs11-module.md), bottom up:
#   transport-pcsc.c   PC/SC; the one SCARD_* -> CK_RV map
#   card.c sw.c        JPKI card commands; the one SW1SW2 -> CK_RV table
#   attr.c x509.c digest.c pin.c   attributes, certificates, hashing, PINs
#   slot.c token.c session.c       readers/slots, the two tokens, sessions
#   module.c           the C_* functions and the exported entry points
# Everything but module.c is a convenience library, so unit tests link the
# same objects the module is made of.

noinst_LTLIBRARIES += pkcs11/libmynap11.la
pkcs11_libmynap11_la_SOURCES = \
	pkcs11/pkcs11-3.h pkcs11/internal.h \
	pkcs11/attr.c pkcs11/attr.h \
	pkcs11/card.c pkcs11/card.h pkcs11/sw.c \
	pkcs11/digest.c pkcs11/digest.h \
	pkcs11/log.c \
	pkcs11/pin.c pkcs11/pin.h \
	pkcs11/session.c pkcs11/slot.c pkcs11/token.c \
	pkcs11/transport-pcsc.c pkcs11/transport.h \
	pkcs11/x509.c pkcs11/x509.h
pkcs11_libmynap11_la_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) $(PCSC_CFLAGS) \
	$(CRYPTO_CFLAGS) -pthread
pkcs11_libmynap11_la_LIBADD = $(PCSC_LIBS) $(CRYPTO_LIBS)

pkcs11module_LTLIBRARIES = pkcs11/myna-pkcs11.la
pkcs11_myna_pkcs11_la_SOURCES = pkcs11/module.c
pkcs11_myna_pkcs11_la_CFLAGS = $(pkcs11_libmynap11_la_CFLAGS)
pkcs11_myna_pkcs11_la_LIBADD = pkcs11/libmynap11.la -lpthread
pkcs11_myna_pkcs11_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-no-undefined -shared \
	-Wl,--version-script=$(top_srcdir)/pkcs11/myna-pkcs11.map
EXTRA_pkcs11_myna_pkcs11_la_DEPENDENCIES = pkcs11/myna-pkcs11.map
EXTRA_DIST += pkcs11/myna-pkcs11.map pkcs11/myna.module.in

# Registered with p11-kit: every p11-kit aware program finds it.  p11-kit
# resolves a bare file name against its own module directory, which keeps
# the file identical across Debian architectures; anywhere else it needs
# the absolute path (docs/install.md).
p11kitconfig_DATA = pkcs11/myna.module
CLEANFILES += pkcs11/myna.module
pkcs11/myna.module: $(srcdir)/pkcs11/myna.module.in Makefile
	$(AM_V_GEN)$(MKDIR_P) pkcs11 && \
	if test "$(pkcs11_moduledir)" = "$(P11KIT_MODULE_PATH)"; then \
		module=myna-pkcs11.so; \
	else \
		module="$(pkcs11_moduledir)/myna-pkcs11.so"; \
	fi && \
	sed "s|@MYNA_MODULE@|$$module|" $(srcdir)/pkcs11/myna.module.in >$@.tmp && \
	mv $@.tmp $@
