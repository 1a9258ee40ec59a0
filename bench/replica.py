#!/usr/bin/env python3
"""Replication measurements. By default (--side replica) a Debian redis-server 7.0.15 master
with, in alternated rounds, a redis-server replica and a scarlet-server replica; with
--side master, a redis-server or scarlet-server master with redis-server replicas.

  bench/replica.py fullsync [--keys 1000000] [--rounds 3] [--diskless]
      time from REPLICAOF to master_link_status:up for a master with --keys keys
      (DEBUG POPULATE); includes the master's payload generation, the same for both;
      and the replica's peak resident memory (VmHWM) once synced.
  bench/replica.py lag [--replicas 1] [--rounds 3]
      redis-benchmark -P 16 -t set -n 2M -r 1M on the master: master throughput, the
      replica's lag in bytes (INFO sampled every 50 ms, replica first, so each sample
      over-counts what the master wrote between the two calls), the time to catch up
      once the load stops, and DEBUG DIGEST equality at the end.

Ports 34101-34120 (--base-port). Needs target/release/scarlet-server (cargo build --release),
or the binary SCARLET_BIN names.
"""
import argparse, os, shutil, subprocess, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCARLET = os.environ.get("SCARLET_BIN", os.path.join(ROOT, "target/release/scarlet-server"))
REDIS = "/usr/bin/redis-server"
WORK = tempfile.mkdtemp(prefix="replica-bench-")


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args],
                          capture_output=True, text=True).stdout.strip()


def field(port, name):
    for line in cli(port, "info", "replication").splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def start(binary, port, name, extra=()):
    d = os.path.join(WORK, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    proc = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no",
                             "--enable-debug-command", "yes", *extra], cwd=d,
                            stdout=open(os.path.join(d, "log"), "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while cli(port, "ping") != "PONG":
        if time.time() > deadline:
            raise SystemExit(f"{binary} did not start on {port}")
        time.sleep(0.02)
    return proc


def stop(*procs):
    for p in procs:
        p.terminate()
        p.wait()


def peak_rss_mb(proc):
    """The process's peak resident set so far (VmHWM), in MB."""
    with open(f"/proc/{proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def wait_up(port):
    while field(port, "master_link_status") != "up":
        time.sleep(0.005)


def fullsync(args):
    mport, rport = args.base_port, args.base_port + 1
    diskless = ["--repl-diskless-sync", "yes" if args.diskless else "no",
                "--repl-diskless-sync-delay", "0"]
    load = ["--repl-diskless-load", "swapdb" if args.diskless else "disabled"]
    times = {"redis": [], "scarlet": []}
    peaks = {"redis": [], "scarlet": []}
    master = None
    if args.side == "replica":
        master = start(REDIS, mport, "master", diskless)
        cli(mport, "debug", "populate", str(args.keys), "key", "10")
    for _ in range(args.rounds):
        for name, binary in (("redis", REDIS), ("scarlet", SCARLET)):
            if args.side == "master":
                # The binary under test is the master; the replica is redis-server.
                master = start(binary, mport, "master", diskless)
                cli(mport, "debug", "populate", str(args.keys), "key", "10")
                replica = start(REDIS, rport, "replica", load)
            else:
                replica = start(binary, rport, "replica", load)
            began = time.time()
            cli(rport, "replicaof", "127.0.0.1", str(mport))
            wait_up(rport)
            times[name].append(time.time() - began)
            peaks[name].append(peak_rss_mb(replica))
            assert cli(rport, "dbsize") == str(args.keys)
            stop(replica)
            if args.side == "master":
                stop(master)
    if args.side == "replica":
        stop(master)
    mode = "diskless/swapdb" if args.diskless else "disk/disabled"
    for name, t in times.items():
        t.sort()
        p = sorted(peaks[name])
        print(f"full sync {args.keys} keys {mode}, {name} {args.side}: median "
              f"{t[len(t) // 2]:.2f}s runs {' '.join(f'{x:.2f}' for x in t)} | replica peak RSS "
              f"median {p[len(p) // 2]:.0f} MB")


def lag(args):
    mport = args.base_port
    for _ in range(args.rounds):
        for name, binary in (("redis", REDIS), ("scarlet", SCARLET)):
            master_bin, replica_bin = (binary, REDIS) if args.side == "master" else (REDIS, binary)
            master = start(master_bin, mport, "master", ["--repl-diskless-sync", "no"])
            ports = [mport + 1 + i for i in range(args.replicas)]
            replicas = [start(replica_bin, p, f"replica{i}") for i, p in enumerate(ports)]
            for p in ports:
                cli(p, "replicaof", "127.0.0.1", str(mport))
            for p in ports:
                wait_up(p)
            lags, done = [], [False]

            def sample():
                while not done[0]:
                    behind = int(field(ports[0], "slave_repl_offset") or 0)
                    lags.append(int(field(mport, "master_repl_offset")) - behind)
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample)
            sampler.start()
            out = subprocess.run(["redis-benchmark", "-p", str(mport), "-P", "16", "-t", "set",
                                  "-n", "2000000", "-r", "1000000", "--csv"],
                                 capture_output=True, text=True).stdout
            done[0] = True
            sampler.join()
            ended, target = time.time(), field(mport, "master_repl_offset")
            while any(field(p, "slave_repl_offset") != target for p in ports):
                time.sleep(0.002)
            catch_up = time.time() - ended
            rps = out.strip().splitlines()[-1].split(",")[1].strip('"')
            same = all(cli(p, "debug", "digest") == cli(mport, "debug", "digest") for p in ports)
            lags.sort()
            print(f"{name} {args.side} x{args.replicas}: master SET P16 {float(rps):.0f} rps | lag bytes "
                  f"median {lags[len(lags) // 2]} p99 {lags[int(len(lags) * 0.99)]} | "
                  f"catch-up {catch_up * 1000:.0f} ms | digests equal: {same}")
            stop(*replicas, master)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["fullsync", "lag"])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--diskless", action="store_true")
    parser.add_argument("--side", choices=["replica", "master"], default="replica",
                        help="which server is the binary under test (the other is redis-server)")
    parser.add_argument("--base-port", type=int, default=34101)
    args = parser.parse_args()
    try:
        fullsync(args) if args.what == "fullsync" else lag(args)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
