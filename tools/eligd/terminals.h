/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which institution codes a terminal may query for
 * (docs/eligibility-protocol.md §4 medicalInstitutionCode, REF-E123):
 * qualification-domain.md §5.2 says terminal certificates are issued per
 * 医療機関コード, so a terminal bound to codes may not ask for others.
 * Terminals are named by the SHA-256 fingerprint of their certificate;
 * a terminal the file does not name is not bound.
 *
 * File format (--terminal-institutions): one terminal per line,
 *     FINGERPRINT CODE[,CODE...]
 * with the fingerprint in hex (colons and case free), codes of 10 digits
 * with a good check digit; '#' starts a comment.
 */
#ifndef MYNA_ELIGD_TERMINALS_H
#define MYNA_ELIGD_TERMINALS_H

#include <stdbool.h>

struct eligd_terminals;

/* NULL with the line of the first error on stderr. */
struct eligd_terminals *eligd_terminals_load(const char *path);
void eligd_terminals_free(struct eligd_terminals *t);
/* May the terminal with this fingerprint (lower-case hex) query for the
 * code?  True for terminals the file does not bind. */
bool eligd_terminal_may(const struct eligd_terminals *t, const char *sha256,
                        const char *institution);

#endif
