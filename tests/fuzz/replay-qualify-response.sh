#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# myna-qualify's parser of the service's answers (fuzz-qualify-response.c).
exec "$(dirname "$0")/replay.sh" replay-qualify-response qualify-response
