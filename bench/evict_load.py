#!/usr/bin/env python3
"""bench/evict_load.py: the load generators of bench/eviction.sh (standard library only).

  evict_load.py fill  PORT KEYS VALUE_SIZE
      SET key:0 .. key:KEYS-1 to VALUE_SIZE-byte values (pipelined).
  evict_load.py zipf  PORT KEYS VALUE_SIZE REQUESTS WARMUP S SEED
      A cache-aside workload: GET a key drawn from a Zipf distribution of exponent S over
      KEYS keys; on a miss, SET it. WARMUP requests first, uncounted. Prints
      "hits gets hit_ratio ops_per_sec". The same SEED gives both servers the same keys.
  evict_load.py stall PORT MEMBERS COMMAND
      Fills the set "bigset" with MEMBERS members, then deletes it with COMMAND (DEL or
      UNLINK) while a second connection sends PING back to back. Prints
      "delete_ms longest_ping_ms pings" (delete_ms: the deleting client's wait).
"""

import bisect
import random
import socket
import sys
import threading
import time

PIPELINE = 64


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Reader:
    """Just enough of a RESP2 reply parser: simple, error, integer, bulk, null."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.pos = 0

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = self.buf[self.pos:end]
                self.pos = end + 2
                return line
            self._fill()

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            data = self.buf[self.pos:self.pos + n]
            self.pos += n + 2
            return data
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        return rest


def fill(port, keys, size):
    s = connect(port)
    r = Reader(s)
    value = b"v" * size
    for start in range(0, keys, PIPELINE):
        batch = range(start, min(keys, start + PIPELINE))
        s.sendall(b"".join(encode(b"SET", b"key:%d" % i, value) for i in batch))
        for _ in batch:
            r.reply()


def zipf_sampler(keys, exponent, rng):
    weights = [1.0 / (rank ** exponent) for rank in range(1, keys + 1)]
    total = sum(weights)
    cdf = []
    acc = 0.0
    for w in weights:
        acc += w / total
        cdf.append(acc)
    # Ranks map to keys through a fixed shuffle, so hot keys are not neighbours.
    order = list(range(keys))
    random.Random(12345).shuffle(order)

    def draw():
        rank = bisect.bisect_left(cdf, rng.random())
        return order[min(rank, keys - 1)]

    return draw


def zipf(port, keys, size, requests, warmup, exponent, seed):
    rng = random.Random(seed)
    draw = zipf_sampler(keys, exponent, rng)
    s = connect(port)
    r = Reader(s)
    value = b"v" * size
    hits = gets = 0
    started = None
    done = 0
    total = warmup + requests
    while done < total:
        if started is None and done >= warmup:
            started = time.monotonic()
            hits = gets = 0
            ops = 0
        batch = [draw() for _ in range(min(PIPELINE, total - done))]
        s.sendall(b"".join(encode(b"GET", b"key:%d" % k) for k in batch))
        misses = []
        for k in batch:
            if r.reply() is None:
                misses.append(k)
        gets += len(batch)
        hits += len(batch) - len(misses)
        if misses:
            s.sendall(b"".join(encode(b"SET", b"key:%d" % k, value) for k in misses))
            for _ in misses:
                r.reply()
        if started is not None:
            ops += len(batch) + len(misses)
        done += len(batch)
    elapsed = time.monotonic() - started
    print(f"{hits} {gets} {hits / gets:.5f} {ops / elapsed:.0f}")


def stall(port, members, command):
    s = connect(port)
    r = Reader(s)
    s.sendall(encode(b"DEL", b"bigset"))
    r.reply()
    chunk = 1000
    pending = 0
    for start in range(0, members, chunk):
        args = [b"SADD", b"bigset"] + [b"m%d" % i for i in range(start, min(members, start + chunk))]
        s.sendall(encode(*args))
        pending += 1
        if pending == 32:
            for _ in range(pending):
                r.reply()
            pending = 0
    for _ in range(pending):
        r.reply()
    s.sendall(encode(b"SCARD", b"bigset"))
    assert r.reply() == members

    stop = threading.Event()
    result = {"longest": 0.0, "pings": 0}

    def pinger():
        p = connect(port)
        pr = Reader(p)
        ping = encode(b"PING")
        while not stop.is_set():
            t = time.monotonic()
            p.sendall(ping)
            pr.reply()
            result["longest"] = max(result["longest"], time.monotonic() - t)
            result["pings"] += 1

    thread = threading.Thread(target=pinger)
    thread.start()
    time.sleep(0.5)
    t = time.monotonic()
    s.sendall(encode(command.encode(), b"bigset"))
    r.reply()
    delete_ms = (time.monotonic() - t) * 1000
    time.sleep(0.5)
    stop.set()
    thread.join()
    print(f"{delete_ms:.1f} {result['longest'] * 1000:.1f} {result['pings']}")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    mode, args = argv[1], argv[2:]
    if mode == "fill" and len(args) == 3:
        fill(int(args[0]), int(args[1]), int(args[2]))
    elif mode == "zipf" and len(args) == 7:
        zipf(int(args[0]), int(args[1]), int(args[2]), int(args[3]), int(args[4]),
             float(args[5]), int(args[6]))
    elif mode == "stall" and len(args) == 3:
        stall(int(args[0]), int(args[1]), args[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
