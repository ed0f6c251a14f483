#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The provider's pkcs11: URI parser (fuzz-uri.c).
exec "$(dirname "$0")/replay.sh" replay-uri uri
