#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# abuse-conn.py: the connection-level attacks of tests/eligd/abuse.sh,
# many sockets at once (one process, one thread per socket), each from a
# chosen loopback source address so that the service's per-address limit
# (--per-ip-connections) sees the attacker apart from the valid client on
# 127.0.0.1.  Prints one JSON object with what happened.
#
#   abuse-conn.py slowloris --port P --source IP --count N --gap S
#                 --duration D --cacert PEM
#       N TLS connections; each completes the handshake, then sends the
#       start of a request (a never-ending header block) one byte every S
#       seconds for at most D seconds.  {"opened": connections whose
#       handshake succeeded, "refused": connect/handshake failures,
#       "cut": connections the service closed, "cut_after": seconds from
#       the handshake to the close (median), "held": still open at D}
#
#   abuse-conn.py flood --port P --sources IP,IP,... --count N --hold S
#       N plain TCP connections from each source, silent, held S seconds
#       then closed.  {"connected": connect() succeeded, "failed": connect()
#       failed, "closed_early": connections the service closed within S}
#       (a connection beyond --max-connections is closed at once or left in
#       the listen backlog, both fine; a crash is not).
#
#   abuse-conn.py raw --port P --cacert PEM [--wait S] < REQUEST
#       One TLS connection, the bytes of stdin sent as they are, then read
#       until the service closes or S seconds (default 10) pass.
#       {"status": the first line of the answer or "", "bytes": bytes
#       received, "closed": the service closed, "elapsed": seconds}
#
# Why Python: one process holds a hundred half-finished TLS requests with
# exact byte timing, which openssl s_client or curl cannot do.
import argparse
import json
import socket
import ssl
import statistics
import threading
import time

HOST = "127.0.0.1"
# A request whose header block never ends: the service must not wait for
# it longer than its --timeout between bytes.
TRICKLE = b"POST /v1/nonce HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 4096


def closed_by_peer(sock):
    """True when the service closed sock (EOF or reset)."""
    try:
        sock.setblocking(False)
        try:
            data = sock.recv(4096)
        except (BlockingIOError, ssl.SSLWantReadError):
            return False
        except OSError:
            return True
        # Any answer (libmicrohttpd's own 408/400) or EOF ends it.
        return data is not None
    finally:
        try:
            sock.setblocking(True)
        except OSError:
            pass


def slowloris_one(args, ctx, result, lock):
    raw = None
    try:
        raw = socket.create_connection((HOST, args.port), timeout=10,
                                       source_address=(args.source, 0))
        tls = ctx.wrap_socket(raw, server_hostname="localhost")
    except OSError:
        with lock:
            result["refused"] += 1
        if raw is not None:
            raw.close()
        return
    with lock:
        result["opened"] += 1
    start = time.monotonic()
    end = start + args.duration
    i = 0
    try:
        while time.monotonic() < end:
            try:
                tls.settimeout(5)
                tls.sendall(TRICKLE[i:i + 1])
            except OSError:
                break
            i = (i + 1) % len(TRICKLE)
            # Wait for the gap, or until the service closes on us.
            deadline = min(end, time.monotonic() + args.gap)
            gone = False
            while time.monotonic() < deadline:
                if closed_by_peer(tls):
                    gone = True
                    break
                time.sleep(0.05)
            if gone:
                break
        else:
            with lock:
                result["held"] += 1
            return
        with lock:
            result["cut"] += 1
            result["cut_times"].append(time.monotonic() - start)
    finally:
        tls.close()


def slowloris(args):
    ctx = ssl.create_default_context(cafile=args.cacert)
    result = {"opened": 0, "refused": 0, "cut": 0, "held": 0, "cut_times": []}
    lock = threading.Lock()
    threads = [threading.Thread(target=slowloris_one,
                                args=(args, ctx, result, lock))
               for _ in range(args.count)]
    for t in threads:
        t.start()
        time.sleep(0.01)  # not a SYN burst: that is the flood's business
    for t in threads:
        t.join()
    times = result.pop("cut_times")
    result["cut_after"] = round(statistics.median(times), 1) if times else None
    return result


def flood(args):
    result = {"connected": 0, "failed": 0, "closed_early": 0}
    socks = []
    for source in args.sources.split(","):
        for _ in range(args.count):
            try:
                s = socket.create_connection((HOST, args.port), timeout=5,
                                             source_address=(source, 0))
                socks.append(s)
                result["connected"] += 1
            except OSError:
                result["failed"] += 1
    time.sleep(args.hold)
    for s in socks:
        if closed_by_peer(s):
            result["closed_early"] += 1
        s.close()
    return result


def raw(args):
    import sys
    ctx = ssl.create_default_context(cafile=args.cacert)
    data = sys.stdin.buffer.read()
    start = time.monotonic()
    got = b""
    closed = False
    with socket.create_connection((HOST, args.port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as tls:
            tls.sendall(data)
            tls.settimeout(args.wait)
            try:
                while True:
                    d = tls.recv(65536)
                    if not d:
                        closed = True
                        break
                    got += d
            except socket.timeout:
                pass
            except OSError:
                closed = True
    return {"status": got.split(b"\r\n", 1)[0].decode("latin-1"),
            "bytes": len(got), "closed": closed,
            "elapsed": round(time.monotonic() - start, 2)}


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("slowloris")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--source", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--gap", type=float, required=True)
    s.add_argument("--duration", type=float, required=True)
    s.add_argument("--cacert", required=True)
    f = sub.add_parser("flood")
    f.add_argument("--port", type=int, required=True)
    f.add_argument("--sources", required=True)
    f.add_argument("--count", type=int, required=True)
    f.add_argument("--hold", type=float, required=True)
    r = sub.add_parser("raw")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--cacert", required=True)
    r.add_argument("--wait", type=float, default=10)
    args = p.parse_args()
    out = {"slowloris": slowloris, "flood": flood, "raw": raw}[args.cmd](args)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
