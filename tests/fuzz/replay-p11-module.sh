#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole PKCS#11 module against a hostile card (fuzz-p11-module.c).
exec "$(dirname "$0")/replay.sh" replay-p11-module p11-module
