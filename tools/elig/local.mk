# SPDX-License-Identifier: LGPL-2.1-or-later
# libelig: what myna-qualify and myna-eligd share of the eligibility
# protocol (docs/eligibility-protocol.md).
noinst_LTLIBRARIES += tools/elig/libelig.la
tools_elig_libelig_la_SOURCES = \
	tools/elig/b64.c \
	tools/elig/checkdigit.c \
	tools/elig/codes.c \
	tools/elig/elig.h \
	tools/elig/fields.c
tools_elig_libelig_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tools_elig_libelig_la_LIBADD = $(JANSSON_LIBS)

check_PROGRAMS += tests/unit/test-elig
TESTS += tests/unit/test-elig
tests_unit_test_elig_SOURCES = tests/unit/test-elig.c
tests_unit_test_elig_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CMOCKA_CFLAGS) -I$(top_srcdir)/tools/elig
tests_unit_test_elig_LDADD = tools/elig/libelig.la $(JANSSON_LIBS) \
	$(CMOCKA_LIBS)
