#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Certificates read from a card (fuzz-p11-x509.c).
exec "$(dirname "$0")/replay.sh" replay-p11-x509 p11-x509
