#!/usr/bin/env python3
"""bench/snapshot.py: BGSAVE side by side, scarlet-server (no fork) against redis-server.

For each dataset size (DEBUG POPULATE N keys of --value bytes) and each server it
measures, while a BGSAVE runs:
  - the time from BGSAVE to "rdb_bgsave_in_progress:0" (polled at each sample);
  - the longest stall a client sees: a probe connection sends PING in a loop and records
    the slowest round trip during the save (and the same probe's slowest before it);
  - peak memory over steady state: proportional set size (PSS, so pages a fork child
    shares are counted once) of the server and every child it forks, sampled every
    --sample-ms (default 100) ms, divided by the PSS before BGSAVE;
  - optionally (--writes) a second client overwriting keys during the save, which is
    what makes a fork copy pages and makes Scarlet write keys early.
Servers run one at a time, pinned to --cpu (the probe and writer on the other cores), in
a scratch directory removed at exit. Output: a Markdown table on stdout.

Usage: bench/snapshot.py [--sizes 1000000,10000000] [--value 100] [--writes]
                         [--scarlet PATH] [--redis PATH] [--cpu 0]
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Conn:
    """A minimal RESP client: enough for PING, INFO, DEBUG, BGSAVE and SET."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(1 << 16)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            return [self._read() for _ in range(int(rest))]
        if kind == b"-":
            raise RuntimeError(rest.decode())
        return rest

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._read()

    def info(self, field):
        text = self.call("INFO", "persistence").decode()
        for line in text.splitlines():
            if line.startswith(field + ":"):
                return line.split(":", 1)[1]
        return None


def rss_kib(pid):
    """Proportional set size of pid plus all its descendants: a fork child's pages count
    once they are copied, pages it still shares with its parent count once in total."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as f:
                pids.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return total


def start(binary, port, workdir, cpu):
    cmd = ["taskset", "-c", str(cpu), binary, "--port", str(port), "--save", "",
           "--appendonly", "no", "--dir", workdir, "--enable-debug-command", "yes"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=workdir)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            c = Conn(port)
            c.call("PING")
            return proc, c
        except (OSError, RuntimeError):
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{binary} did not start")


def probe(port, stop, out):
    c = Conn(port)
    worst = 0.0
    while not stop.is_set():
        t = time.perf_counter()
        c.call("PING")
        worst = max(worst, time.perf_counter() - t)
    out.append(worst)


def writer(port, keys, stop):
    c = Conn(port)
    i = 0
    while not stop.is_set():
        c.call("SET", f"key:{(i * 7919) % keys}", "overwritten-" * 8)
        i += 1


def measure(binary, keys, value, writes, cpu, sample_ms):
    workdir = tempfile.mkdtemp(prefix="scarlet-snapshot-")
    port = free_port()
    proc, c = start(binary, port, workdir, cpu)
    try:
        c.call("DEBUG", "POPULATE", keys, "key", value)
        time.sleep(1)
        # Steady-state probe latency first, for reference.
        stop, worst = threading.Event(), []
        t = threading.Thread(target=probe, args=(port, stop, worst))
        t.start()
        time.sleep(1)
        stop.set()
        t.join()
        idle_worst = worst[0]
        steady = rss_kib(proc.pid)
        stop, worst = threading.Event(), []
        threads = [threading.Thread(target=probe, args=(port, stop, worst))]
        if writes:
            threads.append(threading.Thread(target=writer, args=(port, keys, stop)))
        for th in threads:
            th.start()
        time.sleep(0.2)
        peak = steady
        started = time.perf_counter()
        c.call("BGSAVE")
        while True:
            peak = max(peak, rss_kib(proc.pid))
            if c.info("rdb_bgsave_in_progress") == "0":
                break
            time.sleep(sample_ms / 1000)
        took = time.perf_counter() - started
        stop.set()
        for th in threads:
            th.join()
        status = c.info("rdb_last_bgsave_status")
        return {
            "took": took,
            "stall_ms": worst[0] * 1000,
            "idle_ms": idle_worst * 1000,
            "steady_mb": steady / 1024,
            "peak_ratio": peak / steady if steady else 0,
            "status": status,
        }
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--value", type=int, default=100)
    ap.add_argument("--writes", action="store_true")
    ap.add_argument("--scarlet", default=os.path.join(ROOT, "target/release/scarlet-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--cpu", type=int, default=0)
    # Reading a big process's smaps takes its memory-map lock, which can stall the
    # server itself: sample no more often than needed.
    ap.add_argument("--sample-ms", type=int, default=100)
    args = ap.parse_args()
    print(f"BGSAVE, values of {args.value} bytes, writer during save: {args.writes}\n")
    print("| keys | server | BGSAVE s | longest PING during save ms | (idle) ms "
          "| PSS steady MB | peak/steady | status |")
    print("|---|---|---|---|---|---|---|---|")
    for keys in (int(k) for k in args.sizes.split(",")):
        for name, binary in (("scarlet", args.scarlet), ("redis", args.redis)):
            r = measure(binary, keys, args.value, args.writes, args.cpu, args.sample_ms)
            print(f"| {keys} | {name} | {r['took']:.2f} | {r['stall_ms']:.2f} "
                  f"| {r['idle_ms']:.2f} | {r['steady_mb']:.0f} | {r['peak_ratio']:.3f} "
                  f"| {r['status']} |", flush=True)


if __name__ == "__main__":
    main()
