# SPDX-License-Identifier: LGPL-2.1-or-later
# myna.so, the OpenSSL 3 provider: issue #4 (not built yet).
