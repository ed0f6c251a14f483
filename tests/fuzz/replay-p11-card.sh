#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The module's card layer against a hostile card (fuzz-p11-card.c).
exec "$(dirname "$0")/replay.sh" replay-p11-card p11-card
