#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# myna-eligd's request handling without a socket (fuzz-eligd-http.c).
exec "$(dirname "$0")/replay.sh" replay-eligd-http eligd-http
