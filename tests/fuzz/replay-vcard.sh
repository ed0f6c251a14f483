#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The virtual card's command engine (fuzz-vcard-apdu.c).
exec "$(dirname "$0")/replay.sh" replay-vcard vcard-apdu
