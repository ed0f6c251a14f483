/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vsmartcard vpcd wire protocol, card side: a TCP client; every message
 * is a 2-byte big-endian length and its bytes.  A 1-byte message from vpcd
 * is a control code; anything longer is a command APDU.
 */
#ifndef MYNA_VCARD_VPCD_H
#define MYNA_VCARD_VPCD_H

#include <stddef.h>
#include <stdint.h>

#define VPCD_CTRL_OFF 0
#define VPCD_CTRL_ON 1
#define VPCD_CTRL_RESET 2
#define VPCD_CTRL_ATR 4
#define VPCD_MSG_MAX 65546 /* the largest extended APDU, 4+3+65535+3 */

/* Connected socket, or -1 (errno set). */
int vpcd_connect(const char *host, unsigned port);
/* 1: one message in buf[0..*len); 0: connection closed or error (the
 * connection is then unusable: a message larger than cap also ends it). */
int vpcd_recv(int fd, uint8_t *buf, size_t cap, size_t *len);
int vpcd_send(int fd, const uint8_t *buf, size_t len);

#endif
