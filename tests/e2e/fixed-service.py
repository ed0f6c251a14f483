#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# fixed-service.py: an HTTPS server (real TLS, Python's ssl module over
# OpenSSL) that answers every POST with fixed bytes, to test what
# myna-qualify does with answers a correct service never sends: garbage,
# oversized bodies, wrong types, errors.  (openssl s_server -WWW/-HTTP
# answers GET only, and the protocol is all POST.)
#
#   fixed-service.py --dir DIR --cert PEM --key PEM --port-file FILE
#                    [--client-ca PEM] [--forward URL --forward-ca PEM]
#
# For a request to /v1/nonce it answers with DIR/v1/nonce.http: the whole
# HTTP response as bytes (status line, headers, body), sent as is, then
# closes.  Each request (headers and body) is saved as DIR/requests/N.req,
# with the client certificate's subject (if any) in DIR/requests/N.peer.
# Port 0 is bound; the port is written to --port-file once listening.
#
# With --forward it is a recording relay instead: each request is saved as
# above, then sent on to the service at URL (https, verified with
# --forward-ca) and the service's answer is passed back.  This is how the
# end-to-end tests capture the JWS myna-qualify really sent, to replay it
# (docs/eligibility-protocol.md §3: a nonce serves one request only).
import argparse
import http.client
import os
import socket
import ssl
import sys
import urllib.parse


def relay(a, head, body):
    """The HTTP response of the service at --forward to this request."""
    url = urllib.parse.urlsplit(a.forward)
    ctx = ssl.create_default_context(cafile=a.forward_ca)
    lines = head.split(b"\r\n")
    method, path = lines[0].decode("ascii").split(" ")[:2]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"content-type", b"accept"):
            headers[name.strip().decode()] = value.strip().decode()
    c = http.client.HTTPSConnection(url.hostname, url.port, context=ctx,
                                    timeout=60)
    try:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        out = b"HTTP/1.1 %d %s\r\n" % (r.status, r.reason.encode())
        for name, value in r.getheaders():
            if name.lower() in ("content-type", "cache-control"):
                out += ("%s: %s\r\n" % (name, value)).encode()
    finally:
        c.close()
    return out + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (
        len(data)) + data


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1 << 20:
            return None
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--client-ca")
    ap.add_argument("--forward")
    ap.add_argument("--forward-ca")
    a = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    if a.client_ca:
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(a.client_ca)
    os.makedirs(os.path.join(a.dir, "requests"), exist_ok=True)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, a.port_file)
    n = 0
    while True:
        raw, _ = srv.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            print("handshake failed: %s" % e, file=sys.stderr, flush=True)
            raw.close()
            continue
        try:
            req = read_request(conn)
            if req is None:
                continue
            head, body = req
            n += 1
            base = os.path.join(a.dir, "requests", "%d" % n)
            with open(base + ".req", "wb") as f:
                f.write(head + b"\r\n\r\n" + body)
            peer = conn.getpeercert()
            if peer:
                with open(base + ".peer", "w") as f:
                    f.write(repr(peer.get("subject")) + "\n")
            if a.forward:
                conn.sendall(relay(a, head, body))
                continue
            path = head.split(b" ")[1].decode("ascii", "replace")
            answer = os.path.join(a.dir, path.lstrip("/") + ".http")
            if os.path.isfile(answer):
                with open(answer, "rb") as f:
                    conn.sendall(f.read())
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0"
                             b"\r\nConnection: close\r\n\r\n")
        except (ssl.SSLError, OSError, http.client.HTTPException) as e:
            print("connection failed: %s" % e, file=sys.stderr, flush=True)
        finally:
            try:
                conn.close()
            except OSError:
                pass


if __name__ == "__main__":
    main()
