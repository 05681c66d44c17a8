#!/usr/bin/env python3
"""Soak: mqkit's tools running for a long time at once against one throwaway local mosquitto
(127.0.0.1, free port, stopped by PID), to show that their memory stays flat and nothing is lost.

  bench/soak.py [--duration 600] [--bin build/apps] [--rate 400] [--topics 300] [--sample 5]

Runs, for --duration seconds (default 600, 10 minutes; e.g. --duration 30 for a quick check):
  mqsub --stats    on 'soak/#' (plain stats lines to a pipe, refreshed every second): every
                   message of the run, on --topics + 5 topics
  mqsub            on 'soak/lines' at QoS 1, its output counted and checked in order
  mqpub -l -q 1    to 'soak/lines', fed --rate lines a second (1, 2, 3, ...: numbers for --stats)
  mqbench pubsub   -c 4 -q 2 on 'soak/bench/%i' at --rate msg/s, with its own loss accounting
  mqbench pub      -c --topics at QoS 0 on 'soak/stats/%i', --rate msg/s in all: many topics
Samples each tool's resident memory (VmRSS, the process and its children) every --sample
seconds and prints a Markdown table: RSS after the first minute (or the first tenth, if
shorter) and at the end, the largest, and the messages sent, received and lost. Not in ctest.
"""
import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """A private mosquitto on a free loopback port, in its own temp dir."""

    def __init__(self, work):
        self.port = free_port()
        conf = os.path.join(work, "mosquitto.conf")
        with open(conf, "w") as f:
            # No queue limits (a slow moment must not drop QoS 1/2 messages), no in-flight quota
            # (mosquitto 2.0.11 can strand queued QoS 1/2 messages behind it: README, Known broker
            # behaviour). "user": as root, mosquitto would switch to a user who cannot write here.
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
                    f"max_inflight_messages 0\nuser {pwd.getpwuid(os.getuid()).pw_name}\n"
                    f"log_dest file {work}/mosquitto.log\nlog_type error\nlog_type warning\n")
        self.proc = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("soak: mosquitto did not start")

    def stop(self):
        self.proc.terminate()  # by PID, the one we started
        self.proc.wait(timeout=10)


def rss_kib(pid):
    """VmRSS of `pid` and its children (mqbench may run a worker), in KiB; 0 once gone."""
    total = 0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


class Tool:
    """A tool started in its own process group, its RSS sampled."""

    def __init__(self, name, cmd, work, stdin=False):
        self.name = name
        self.out_path = os.path.join(work, name.replace(" ", "_") + ".out")
        self.err_path = os.path.join(work, name.replace(" ", "_") + ".err")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     stdout=open(self.out_path, "wb"), stderr=open(self.err_path, "wb"),
                                     start_new_session=True)
        self.samples = []  # (seconds since start, KiB)

    def sample(self, t):
        kib = rss_kib(self.proc.pid)
        if kib:
            self.samples.append((t, kib))

    def stop(self, sig=signal.SIGINT, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own group, started above
            return self.proc.wait()

    def err(self):
        with open(self.err_path, errors="replace") as f:
            return f.read().strip()


def feed(pub, rate, seconds, counter, stop):
    """Writes the lines 1, 2, 3, ... to mqpub -l at `rate` a second for `seconds`."""
    start = time.monotonic()
    n = 0
    while not stop.is_set():
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        due = int(elapsed * rate) + 1
        chunk = "".join(f"{i}\n" for i in range(n + 1, due + 1))
        if chunk:
            pub.proc.stdin.write(chunk.encode())
            pub.proc.stdin.flush()
            n = due
            counter[0] = n
        time.sleep(0.01)
    pub.proc.stdin.close()


def lines_in_order(path, n):
    """How many of the lines 1..n arrived, and whether in order without duplicates."""
    got = []
    with open(path, errors="replace") as f:
        for line in f:
            if line.strip().isdigit():
                got.append(int(line))
    return len(set(got) & set(range(1, n + 1))), got == list(range(1, len(got) + 1))


def mib(kib):
    return f"{kib / 1024:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=600, help="seconds (default 600: 10 minutes)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "apps"))
    ap.add_argument("--rate", type=int, default=400, help="lines/s to mqpub -l, and msg/s of each mqbench")
    ap.add_argument("--topics", type=int, default=300, help="topics mqsub --stats sees (mqbench pub clients)")
    ap.add_argument("--sample", type=float, default=5, help="seconds between RSS samples")
    ap.add_argument("--stats-window", type=float, default=60, help="mqsub --stats --window")
    a = ap.parse_args()
    if a.duration < 10:
        ap.error("--duration: at least 10 seconds")
    seconds = a.duration
    tool = lambda name: os.path.join(a.bin, name)
    work = tempfile.mkdtemp(prefix="mqkit-soak-")
    broker = Broker(work)
    hp = ["-h", "127.0.0.1", "-p", str(broker.port)]
    tools = []
    try:
        stats = Tool("mqsub --stats", [tool("mqsub"), *hp, "-t", "soak/#", "--stats", "--interval", "1", "--window",
                                        f"{a.stats_window:g}"], work)
        plain = Tool("mqsub", [tool("mqsub"), *hp, "-t", "soak/lines", "-q", "1", "-i", "soak-plain"], work)
        tools += [stats, plain]
        time.sleep(1)  # both subscribed before anything is published
        pub = Tool("mqpub -l -q 1", [tool("mqpub"), *hp, "-t", "soak/lines", "-q", "1", "-l"], work, stdin=True)
        bench = Tool("mqbench pubsub -q 2",
                     [tool("mqbench"), "pubsub", *hp, "-c", "4", "-q", "2", "--rate", str(a.rate), "--duration",
                      str(int(seconds)), "-t", "soak/bench/%i", "--filter", "soak/bench/#", "--workers", "1",
                      "--no-progress", "--json", os.path.join(work, "bench.json")], work)
        topics = Tool("mqbench pub (many topics)",
                      [tool("mqbench"), "pub", *hp, "-c", str(a.topics), "-q", "0", "--rate", str(a.rate),
                       "--duration", str(int(seconds)), "-t", "soak/stats/%i", "-s", "8", "--workers", "1",
                       "--no-progress", "--prefix", "soak-topics"], work)
        tools += [pub, bench, topics]
        counter, stop = [0], threading.Event()
        feeder = threading.Thread(target=feed, args=(pub, a.rate, seconds, counter, stop), daemon=True)
        feeder.start()
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            t = time.monotonic() - start
            for x in tools:
                x.sample(t)
            time.sleep(a.sample)
        feeder.join()
        results = finish(tools, stats, plain, pub, bench, topics, counter[0], work)
    finally:
        stop_all(tools)
        broker.stop()
    report(tools, results, seconds, a)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if results["ok"] else 1


def stop_all(tools):
    for x in tools:
        if x.proc.poll() is None:
            x.stop(signal.SIGTERM, timeout=10)


def finish(tools, stats, plain, pub, bench, topics, sent, work):
    """Ends the run in order and collects what each tool counted."""
    r = {"ok": True}
    r["mqpub"] = pub.proc.wait(timeout=120)  # stdin closed: it waits for every PUBACK
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and lines_in_order(plain.out_path, sent)[0] < sent:
        time.sleep(0.5)
    r["bench"] = bench.proc.wait(timeout=120)
    r["topics"] = topics.proc.wait(timeout=120)
    r["mqsub"] = plain.stop()
    r["stats"] = stats.stop()
    received, in_order = lines_in_order(plain.out_path, sent)
    r["lines"] = (sent, received, in_order)
    with open(os.path.join(work, "bench.json")) as f:
        loss = json.load(f)["loss"].get("qos2", {})
    r["bench_loss"] = (loss.get("expected", 0), loss.get("received", 0), loss.get("lost", 0))
    last_all = ""
    with open(stats.out_path, errors="replace") as f:
        for line in f:
            if line.startswith("stats ") and " all " in line:
                last_all = line.strip()
    r["stats_last"] = last_all
    r["ok"] = (r["mqpub"] == 0 and received == sent and in_order and r["bench"] == 0 and r["bench_loss"][2] == 0
               and r["topics"] == 0 and r["mqsub"] == 130 and r["stats"] == 130)
    for x in tools:
        if x.err():
            print(f"soak: {x.name} said: {x.err()}", file=sys.stderr)
    return r


def report(tools, r, seconds, a):
    warm = min(60, seconds / 10)
    print(f"Soak: {seconds / 60:g} min, {a.rate} lines/s to mqpub -l -q 1, mqbench pubsub -q 2 at {a.rate} msg/s, "
          f"{a.topics} topics at {a.rate} msg/s for mqsub --stats --window {a.stats_window:g}\n")
    print("| tool | RSS at {:.0f} s (MiB) | RSS at end (MiB) | largest (MiB) | messages |".format(warm))
    print("| --- | --- | --- | --- | --- |")
    sent, received, in_order = r["lines"]
    expected, got, lost = r["bench_loss"]
    counts = {
        "mqsub --stats": r["stats_last"].split(" last_mean")[0].replace("stats ", "") or "-",
        "mqsub": f"{received:,} of {sent:,} lines, {'in order' if in_order else 'NOT in order'}",
        "mqpub -l -q 1": f"{sent:,} lines, exit {r['mqpub']}",
        "mqbench pubsub -q 2": f"{got:,} of {expected:,} received, {lost} lost, exit {r['bench']}",
        "mqbench pub (many topics)": f"exit {r['topics']}",
    }
    for x in tools:
        if not x.samples:
            continue
        first = next((kib for t, kib in x.samples if t >= warm), x.samples[0][1])
        print(f"| {x.name} | {mib(first)} | {mib(x.samples[-1][1])} | {mib(max(k for _, k in x.samples))} | "
              f"{counts.get(x.name, '')} |")
    step = 60 if seconds >= 300 else seconds / 10
    print(f"\nRSS (MiB) every {step:g} s:\n")
    marks = [m * step for m in range(0, int(seconds // step) + 1)]
    for x in tools:
        row = []
        for m in marks:
            near = [kib for t, kib in x.samples if t >= m]
            if near:
                row.append(mib(near[0]))
        print(f"- {x.name}: {' '.join(row)}")
    print("\nresult:", "ok" if r["ok"] else "FAILED")


if __name__ == "__main__":
    sys.exit(main())
