#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# myna-eligd's JWS and request member parser (fuzz-eligd-jws.c).
exec "$(dirname "$0")/replay.sh" replay-eligd-jws eligd-jws
