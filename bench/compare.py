#!/usr/bin/env python3
"""mqpub/mqsub against mosquitto_pub/mosquitto_sub, side by side in one run, against one throwaway
local mosquitto (127.0.0.1, free port, stopped by PID). Prints a Markdown table with ratios.

  bench/compare.py [--bin build/apps] [--runs 40] [--lines 200000] [--quick]

Measures: one-shot publish (median wall, CPU, peak RSS per process), one 64 MiB message from a file
(-f, QoS 1, median wall), `-l` streaming of N lines at
QoS 0/1/2 (messages per second, every message confirmed by a subscriber, and the broker's CPU per
message with the rate that bounds), and subscriber ingest
(messages per second printed to /dev/null). Bounded: every child has a timeout.
"""
import argparse
import os
import pwd
import shutil
import signal
import socket
import statistics
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

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mqkit-bench-")
        self.port = free_port()
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            # Subscriptions are logged so the bench can wait for them instead of sleeping; no
            # per-message logging, which would slow the broker down.
            # "user": as root, mosquitto would switch to the mosquitto user, who cannot write here.
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
                    f"user {pwd.getpwuid(os.getuid()).pw_name}\n"
                    f"log_dest file {self.dir}/mosquitto.log\nlog_type error\nlog_type warning\n"
                    "log_type subscribe\n")
        self.proc = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("bench: mosquitto did not start")

    def cpu_seconds(self):
        """The broker's user + system CPU time so far (from /proc, in clock ticks)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()  # by PID, the one we started
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def run_measured(cmd, stdin=None, timeout=120):
    """Runs cmd; returns (wall seconds, cpu seconds, wait4's max RSS KiB, exit code). The RSS is
    not the tool's own (Linux carries the spawning Python's peak across exec): see peak_rss()."""
    exe = shutil.which(cmd[0]) or cmd[0]
    null = os.open(os.devnull, os.O_RDWR)
    rfd = wfd = None
    actions = [(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
    if stdin is not None:
        rfd, wfd = os.pipe()
        actions.append((os.POSIX_SPAWN_DUP2, rfd, 0))
        actions.append((os.POSIX_SPAWN_CLOSE, wfd))
    else:
        actions.append((os.POSIX_SPAWN_DUP2, null, 0))
    # A watchdog thread kills the child after `timeout`, so the wait below can block in wait4 and
    # wake the moment the child exits (polling it would add up to a poll interval to every run).
    child = {}
    watchdog = threading.Timer(timeout, lambda: os.kill(child["pid"], signal.SIGKILL) if "pid" in child else None)
    watchdog.start()
    start = time.perf_counter()
    pid = os.posix_spawn(exe, cmd, os.environ, file_actions=actions)
    child["pid"] = pid
    os.close(null)
    if stdin is not None:
        os.close(rfd)
        with os.fdopen(wfd, "wb") as w:
            try:
                w.write(stdin)
            except BrokenPipeError:
                pass
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    del child["pid"]  # reaped: the watchdog must not signal a recycled pid
    watchdog.cancel()
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status)


def peak_rss(cmd):
    """The tool's own peak RSS in KiB, measured by GNU time (apt-get install time), else None."""
    gnu_time = "/usr/bin/time"
    if not os.access(gnu_time, os.X_OK):
        return None
    with tempfile.NamedTemporaryFile("r") as out:
        run_measured([gnu_time, "-f", "%M", "-o", out.name] + cmd)
        return int(out.read().split()[-1])


def one_shot(args, broker, runs):
    rows = []
    for qos in ("0", "1", "2"):
        tools = (("mqkit", args.pub), ("mosquitto", "mosquitto_pub"))
        walls = {name: [] for name, _ in tools}
        cpus = {name: [] for name, _ in tools}
        # Interleaved, one of each in turn, so that a change in the machine's load during the
        # measurement weighs on both sides of the ratio alike.
        for _ in range(runs):
            for name, exe in tools:
                cmd = [exe, "-p", str(broker.port), "-t", "bench/one", "-m", "x", "-q", qos]
                w, c, _, rc = run_measured(cmd)
                if rc != 0:
                    raise SystemExit(f"bench: {exe} exited {rc}")
                walls[name].append(w * 1000)
                cpus[name].append(c * 1000)
        res = {}
        for name, exe in tools:
            rss = peak_rss([exe, "-p", str(broker.port), "-t", "bench/one", "-m", "x", "-q", qos])
            res[name] = (statistics.median(walls[name]), statistics.median(cpus[name]),
                         rss if rss is not None else "n/a")
        rows.append((f"one-shot publish, QoS {qos}: median wall ms", res["mqkit"][0], res["mosquitto"][0]))
        rows.append((f"one-shot publish, QoS {qos}: median CPU ms", res["mqkit"][1], res["mosquitto"][1]))
        rows.append((f"one-shot publish, QoS {qos}: peak RSS KiB", res["mqkit"][2], res["mosquitto"][2]))
    return rows


def large_message(args, broker, runs=5, mib=64):
    """One QoS 1 message of `mib` MiB from a file (-f), acknowledged by the broker."""
    with tempfile.NamedTemporaryFile(prefix="mqkit-bench-large-") as f:
        f.write(os.urandom(mib << 20))
        f.flush()
        res = {}
        for name, exe in (("mqkit", args.pub), ("mosquitto", "mosquitto_pub")):
            walls = []
            for _ in range(runs):
                w, _, _, rc = run_measured([exe, "-p", str(broker.port), "-t", "bench/large", "-q", "1", "-f", f.name])
                if rc != 0:
                    raise SystemExit(f"bench: {exe} -f ({mib} MiB) exited {rc}")
                walls.append(w * 1000)
            res[name] = statistics.median(walls)
    return [(f"publish one {mib} MiB file (-f), QoS 1: median wall ms", res["mqkit"], res["mosquitto"])]


def count_lines(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def streaming(args, broker, lines):
    rows = []
    payload = b"".join(b"reading %d\n" % i for i in range(lines))
    for qos in ("0", "1", "2"):
        res = {}
        for name, exe in (("mqkit", args.pub), ("mosquitto", "mosquitto_pub")):
            topic = f"bench/stream/{name}/{qos}"
            out = os.path.join(broker.dir, f"stream-{name}-{qos}")
            cid = f"bench-stream-{name}-{qos}"
            # The confirming subscriber is the same for both sides: mosquitto_sub at the same QoS.
            with open(out, "wb") as f:
                sub = subprocess.Popen(["mosquitto_sub", "-p", str(broker.port), "-t", topic, "-q", qos, "-i", cid,
                                        "-C", str(lines), "-W", "60"], stdout=f, stderr=subprocess.DEVNULL)
                wait_subscribed(broker, cid, qos, topic)
                broker_cpu = broker.cpu_seconds()
                start = time.perf_counter()
                pub_wall, _, _, rc = run_measured([exe, "-p", str(broker.port), "-t", topic, "-q", qos, "-l"],
                                                  payload, 90)
                try:
                    sub.wait(timeout=65)
                except subprocess.TimeoutExpired:
                    sub.kill()
                    sub.wait()
                elapsed = time.perf_counter() - start
                broker_cpu = broker.cpu_seconds() - broker_cpu
            got = count_lines(out)
            res[name] = (got / elapsed, got, rc, lines / pub_wall, broker_cpu * 1e6 / max(got, 1))
        # The publisher's own rate: every line read, and at QoS 1/2 acknowledged, when it exits.
        rows.append((f"-l {lines} lines, QoS {qos}: msg/s published (publisher exit)", res["mqkit"][3],
                     res["mosquitto"][3]))
        # Until the confirming subscriber has them all (at QoS 2 its own QoS 2 flow is part of it).
        label = f"-l {lines} lines, QoS {qos}: msg/s delivered"
        rows.append((label, res["mqkit"][0], res["mosquitto"][0]))
        rows.append((f"-l {lines} lines, QoS {qos}: delivered (exit code)",
                     f"{res['mqkit'][1]} ({res['mqkit'][2]})", f"{res['mosquitto'][1]} ({res['mosquitto'][2]})"))
        # mosquitto is single-threaded: a message that costs it B us of CPU (in from the publisher,
        # out to the confirming subscriber) cannot be delivered faster than 1e6 / B per second on
        # this machine, whatever the publisher does.
        # (Only where every line was delivered: otherwise the broker also spent CPU on what was lost.)
        rows.append((f"-l {lines} lines, QoS {qos}: broker CPU us per delivered msg", res["mqkit"][4],
                     res["mosquitto"][4] if res["mosquitto"][1] == lines else "n/a"))
        rows.append((f"-l {lines} lines, QoS {qos}: broker-bound ceiling msg/s (1e6 / broker us)",
                     1e6 / res["mqkit"][4] if res["mqkit"][4] else 0.0, ""))
    return rows


def wait_subscribed(broker, cid, qos, topic, timeout=10):
    """Waits for mosquitto's subscribe log line "<client id> <qos> <filter>"."""
    deadline = time.monotonic() + timeout
    path = os.path.join(broker.dir, "mosquitto.log")
    line = f"{cid} {qos} {topic}".encode()
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path, "rb") as f:
                if line in f.read():
                    return
        time.sleep(0.01)
    raise SystemExit(f"bench: subscriber {cid} did not subscribe")


def ingest(args, broker, lines):
    """Subscriber ingest: N QoS 1 messages wait in a persistent session on the broker, then the
    subscriber connects and drains them; the feeder (mqpub -l, which delivers every line) is
    outside the timing."""
    rows = []
    payload = b"".join(b"value %d\n" % i for i in range(lines))
    res = {}
    for name, exe in (("mqkit", args.sub), ("mosquitto", "mosquitto_sub")):
        topic = f"bench/ingest/{name}"
        cid = f"bench-ingest-{name}"
        base = [exe, "-p", str(broker.port), "-t", topic, "-q", "1", "-i", cid, "-c"]
        _, _, _, rc = run_measured(base + ["-E"])  # create the session and its subscription
        if rc != 0:
            raise SystemExit(f"bench: {exe} -E exited {rc}")
        _, _, _, rc = run_measured([args.pub, "-p", str(broker.port), "-t", topic, "-q", "1", "-l"], payload, 90)
        if rc != 0:
            raise SystemExit(f"bench: feeding {lines} messages failed ({rc})")
        wall, _, _, rc = run_measured(base + ["-C", str(lines), "-W", "60"], None, 70)
        res[name] = (lines / wall if rc == 0 else 0.0, rc)
    rows.append((f"subscriber draining {lines} queued QoS 1 msgs: msg/s (exit {res['mqkit'][1]}/{res['mosquitto'][1]})",
                 res["mqkit"][0], res["mosquitto"][0]))
    return rows


def fmt(v):
    return f"{v:,.1f}" if isinstance(v, float) else str(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "apps"))
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--lines", type=int, default=200000)
    ap.add_argument("--quick", action="store_true", help="10 runs, 20,000 lines")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.lines = 10, 20000
    args.pub = os.path.join(args.bin, "mqpub")
    args.sub = os.path.join(args.bin, "mqsub")
    for exe in (args.pub, args.sub, shutil.which("mosquitto_pub"), shutil.which("mosquitto_sub")):
        if not exe or not os.access(exe, os.X_OK):
            raise SystemExit(f"bench: missing {exe}; build first and install mosquitto-clients")
    broker = Broker()
    try:
        rows = one_shot(args, broker, args.runs)
        rows += large_message(args, broker)
    finally:
        broker.stop()
    broker = Broker()
    try:
        rows += streaming(args, broker, args.lines)
        rows += ingest(args, broker, args.lines)
    finally:
        broker.stop()
    print(f"| measure ({os.cpu_count()} cores, mosquitto {mosquitto_version()}) | mqkit | mosquitto | mqkit / mosquitto |")
    print("| --- | ---: | ---: | ---: |")
    for label, ours, ref in rows:
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (ours, ref))
        ratio = f"{ours / ref:.2f}" if numbers and ref else ""
        print(f"| {label} | {fmt(ours)} | {fmt(ref)} | {ratio} |")


def mosquitto_version():
    out = subprocess.run(["mosquitto_sub", "--help"], capture_output=True, text=True).stdout
    for word in out.split():
        if word[:1].isdigit() and word.count(".") == 2:
            return word.rstrip(".")
    return "?"


if __name__ == "__main__":
    sys.exit(main())
