#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# myna-card's parser of the card info AP's EFs (fuzz-card-attrs.c).
exec "$(dirname "$0")/replay.sh" replay-card-attrs card-attrs
