/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vpcd.h"

int
vpcd_connect(const char *host, unsigned port)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;
    char service[8];
    int fd = -1, one = 1;

    snprintf(service, sizeof(service), "%u", port);
    if (getaddrinfo(host, service, &hints, &res) != 0)
        return -1;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    /* Small request/response messages: never wait for Nagle. */
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Read exactly len bytes; EINTR ends the read so that a signal can stop
 * the card.  vpcd writes a message's length and its bytes in two send()s:
 * with delayed ACKs its second write waits for our ACK of the first, about
 * 40 ms per APDU.  Linux clears TCP_QUICKACK after use (tcp(7)), so it is
 * set again before every read.  Card latency is modelled with
 * --apdu-delay-ms, not by the transport. */
static int
read_full(int fd, uint8_t *buf, size_t len)
{
    int one = 1;

    while (len > 0) {
        ssize_t n;

        setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
        n = recv(fd, buf, len, 0);

        if (n <= 0)
            return 0;
        buf += n;
        len -= (size_t)n;
    }
    return 1;
}

int
vpcd_recv(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t hdr[2];

    if (!read_full(fd, hdr, 2))
        return 0;
    *len = (size_t)hdr[0] << 8 | hdr[1];
    if (*len == 0 || *len > cap)
        return 0;
    return read_full(fd, buf, *len);
}

int
vpcd_send(int fd, const uint8_t *buf, size_t len)
{
    uint8_t msg[2 + VPCD_MSG_MAX];

    if (len > 0xFFFF || len > VPCD_MSG_MAX)
        return 0;
    msg[0] = (uint8_t)(len >> 8);
    msg[1] = (uint8_t)len;
    memcpy(msg + 2, buf, len);
    return send(fd, msg, len + 2, MSG_NOSIGNAL) == (ssize_t)(len + 2);
}
