# SPDX-License-Identifier: LGPL-2.1-or-later
# myna-pkcs11.so, the JPKI PKCS#11 module: issue #3 (not built yet).
