#!/usr/bin/env python3
"""mqpub/mqsub against mosquitto_pub/mosquitto_sub, side by side in one run, against one throwaway
local mosquitto (127.0.0.1, free port, stopped by PID). Prints a Markdown table with ratios.

  bench/compare.py [--bin build/apps] [--runs 40] [--lines 200000] [--quick]
  bench/compare.py --only e2e [--bin build/apps [--bin build-off/apps]] [--e2e-runs 15]
                   [--e2e-lines 50000] [--e2e-qos 1,2]

Measures: one-shot publish (median wall, CPU, peak RSS per process), one 64 MiB message from a file
(-f, QoS 1, median wall), `-l` streaming of N lines at
QoS 0/1/2 (messages per second, every message confirmed by a subscriber, and the broker's CPU per
message with the rate that bounds), and subscriber ingest
(messages per second printed to /dev/null). Bounded: every child has a timeout.

End to end (`e2e`): `-l` of N lines into a subscriber at the same QoS, timed from the publisher's
start until the subscriber has received every line (-C N), for mqpub -> mqsub against
mosquitto_pub -> mosquitto_sub, plus the two crossed pairs (which side costs what). The pairs take
turns within each repetition, in a rotating order, so load on the machine weighs on all alike;
medians are reported. Every run's output must equal the input byte for byte. Several --bin
directories (e.g. the default build and one with -DMQKIT_PAHO_WORKAROUNDS=OFF) are measured in the
same interleaved run, each against the same mosquitto pair.
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


class E2eRun:
    """One publisher -> subscriber run: -l of `payload` at `qos`, the subscriber at the same QoS
    exiting after every line (-C). Times the subscriber's exit from the publisher's start."""

    def __init__(self, broker, pub, sub, qos, payload, lines, tag):
        self.cid = f"bench-e2e-{tag}"
        self.topic = f"bench/e2e/{tag}"
        self.out = os.path.join(broker.dir, f"e2e-{tag}")
        null = os.open(os.devnull, os.O_RDWR)
        outfd = os.open(self.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        port = str(broker.port)
        sub_cmd = [sub, "-p", port, "-t", self.topic, "-q", qos, "-i", self.cid, "-C", str(lines), "-W", "60"]
        self.sub_pid = os.posix_spawn(shutil.which(sub) or sub, sub_cmd, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, outfd, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
        os.close(outfd)
        os.close(null)
        wait_subscribed(broker, self.cid, qos, self.topic)
        self.pub_cmd = [pub, "-p", port, "-t", self.topic, "-q", qos, "-l"]
        self.payload = payload
        self.result = {}

    def _publisher(self, start):
        null = os.open(os.devnull, os.O_RDWR)
        rfd, wfd = os.pipe()
        pid = os.posix_spawn(shutil.which(self.pub_cmd[0]) or self.pub_cmd[0], self.pub_cmd, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, rfd, 0), (os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2),
            (os.POSIX_SPAWN_CLOSE, wfd)])
        os.close(rfd)
        os.close(null)
        with os.fdopen(wfd, "wb") as w:
            try:
                w.write(self.payload)
            except BrokenPipeError:
                pass
        _, status, ru = os.wait4(pid, 0)
        self.result["pub_wall"] = time.perf_counter() - start
        self.result["pub_cpu"] = ru.ru_utime + ru.ru_stime
        self.result["pub_rc"] = os.waitstatus_to_exitcode(status)

    def run(self, timeout=90):
        watchdog = threading.Timer(timeout, lambda: os.kill(self.sub_pid, signal.SIGKILL))
        watchdog.start()
        start = time.perf_counter()
        feeder = threading.Thread(target=self._publisher, args=(start,))
        feeder.start()
        _, status, ru = os.wait4(self.sub_pid, 0)
        self.result["wall"] = time.perf_counter() - start
        watchdog.cancel()
        feeder.join(timeout)
        self.result["sub_cpu"] = ru.ru_utime + ru.ru_stime
        self.result["sub_rc"] = os.waitstatus_to_exitcode(status)
        with open(self.out, "rb") as f:
            got = f.read()
        os.unlink(self.out)
        self.result["delivered"] = got.count(b"\n")
        self.result["identical"] = got == self.payload
        if not self.result["identical"]:
            self.result["missing"] = describe_missing(got, self.payload)
        return self.result


def describe_missing(got, payload):
    """Which input lines a failed run lacks, e.g. "lines 4200-4999 missing (one block)"."""
    have = set(got.split(b"\n"))
    missing = [i for i, line in enumerate(payload.split(b"\n")[:-1]) if line not in have]
    if not missing:
        return "every line arrived, but not in order or not once"
    blocks = 1 + sum(1 for a, b in zip(missing, missing[1:]) if b != a + 1)
    return f"lines {missing[0]}-{missing[-1]} missing ({len(missing)} in {blocks} block{'s' if blocks > 1 else ''})"


def end_to_end(args, lines, runs, qos_levels):
    """-l into a subscriber, end to end: every --bin's mqpub -> mqsub, the crossed pairs, and
    mosquitto_pub -> mosquitto_sub, interleaved. Returns table rows."""
    payload = b"".join(b"reading %d\n" % i for i in range(lines))
    pairs = [("mosquitto_pub -> mosquitto_sub", "mosquitto_pub", "mosquitto_sub")]
    for label, bindir in args.builds:
        pub, sub = os.path.join(bindir, "mqpub"), os.path.join(bindir, "mqsub")
        pairs.append((f"mqpub -> mqsub{label}", pub, sub))
        if not args.e2e_no_cross:
            pairs.append((f"mqpub -> mosquitto_sub{label}", pub, "mosquitto_sub"))
            pairs.append((f"mosquitto_pub -> mqsub{label}", "mosquitto_pub", sub))
    rows = [f"End to end, -l {lines} lines into a subscriber at the same QoS, {runs} interleaved runs of each "
            f"pair ({os.cpu_count()} cores, mosquitto {mosquitto_version()}, load average before: "
            f"{os.getloadavg()[0]:.1f}):", "",
            "| QoS | publisher -> subscriber | msg/s delivered (median) | msg/s quartiles 1-3 | "
            "vs mosquitto_pub -> mosquitto_sub | median CPU s pub / sub |",
            "| --- | --- | ---: | ---: | ---: | ---: |"]
    broker = Broker()
    try:
        for qos in qos_levels:
            walls = {name: [] for name, _, _ in pairs}
            cpus = {name: ([], []) for name, _, _ in pairs}
            bad = {name: [] for name, _, _ in pairs}
            for rep in range(runs):
                turn = rep % len(pairs)  # a rotating order: nobody always runs first
                for name, pub, sub in pairs[turn:] + pairs[:turn]:
                    r = E2eRun(broker, pub, sub, qos, payload, lines, f"{rep}-{pairs.index((name, pub, sub))}").run()
                    if r["sub_rc"] != 0 or r["pub_rc"] != 0 or not r["identical"]:
                        bad[name].append(f"exit {r['pub_rc']}/{r['sub_rc']}, {r['delivered']} lines"
                                         f"{'' if r['identical'] else ', ' + r['missing']}")
                        continue
                    walls[name].append(r["wall"])
                    cpus[name][0].append(r["pub_cpu"])
                    cpus[name][1].append(r["sub_cpu"])
            ref = statistics.median(walls[pairs[0][0]]) if walls[pairs[0][0]] else 0.0
            for name, _, _ in pairs:
                w = walls[name]
                if not w:
                    rows.append(f"| {qos} | {name} | failed: {'; '.join(bad[name][:2])} | | | |")
                    continue
                med = statistics.median(w)
                rates = sorted(lines / x for x in w)
                q = statistics.quantiles(rates, n=4) if len(rates) >= 2 else [rates[0]] * 3
                note = f" ({len(bad[name])} failed: {bad[name][0]})" if bad[name] else ""
                ratio = f"{ref / med:.2f}" if ref else ""
                rows.append(f"| {qos} | {name}{note} | {lines / med:,.0f} | {q[0]:,.0f}-{q[2]:,.0f} | {ratio} | "
                            f"{statistics.median(cpus[name][0]):.2f} / {statistics.median(cpus[name][1]):.2f} |")
    finally:
        broker.stop()
    return rows


def fmt(v):
    return f"{v:,.1f}" if isinstance(v, float) else str(v)


def build_label(bindir):
    """" (build-off)" for .../build-off/apps: which build a row is about."""
    parent = os.path.basename(os.path.dirname(os.path.abspath(bindir)))
    return f" ({parent})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", action="append", help="directory with mqpub and mqsub (default: build/apps); "
                    "give it twice to compare two builds end to end (the other scenarios use the first)")
    ap.add_argument("--only", choices=("all", "oneshot", "stream", "e2e"), default="all",
                    help="run one scenario: one-shot and -f publish, -l streaming and ingest, or end to end")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--lines", type=int, default=200000)
    ap.add_argument("--quick", action="store_true", help="10 runs, 20,000 lines (and 5 end-to-end runs)")
    ap.add_argument("--e2e-runs", type=int, default=15, help="end-to-end repetitions of each pair (default: 15)")
    ap.add_argument("--e2e-lines", type=int, default=50000, help="end-to-end lines (default: 50000)")
    ap.add_argument("--e2e-qos", default="1,2", help="end-to-end QoS levels, comma-separated (default: 1,2)")
    ap.add_argument("--e2e-no-cross", action="store_true", help="leave out mqpub -> mosquitto_sub and "
                    "mosquitto_pub -> mqsub")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.lines, args.e2e_runs = 10, 20000, 5
    bins = args.bin or [os.path.join(ROOT, "build", "apps")]
    args.builds = [(build_label(b) if len(bins) > 1 else "", b) for b in bins]
    args.pub = os.path.join(bins[0], "mqpub")
    args.sub = os.path.join(bins[0], "mqsub")
    for exe in [os.path.join(b, t) for b in bins for t in ("mqpub", "mqsub")] + [
            shutil.which("mosquitto_pub"), shutil.which("mosquitto_sub")]:
        if not exe or not os.access(exe, os.X_OK):
            raise SystemExit(f"bench: missing {exe}; build first and install mosquitto-clients")
    rows = []
    if args.only in ("all", "oneshot"):
        broker = Broker()
        try:
            rows += one_shot(args, broker, args.runs)
            rows += large_message(args, broker)
        finally:
            broker.stop()
    if args.only in ("all", "stream"):
        broker = Broker()
        try:
            rows += streaming(args, broker, args.lines)
            rows += ingest(args, broker, args.lines)
        finally:
            broker.stop()
    if rows:
        print(f"| measure ({os.cpu_count()} cores, mosquitto {mosquitto_version()}) | mqkit | mosquitto | mqkit / mosquitto |")
        print("| --- | ---: | ---: | ---: |")
    for label, ours, ref in rows:
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (ours, ref))
        ratio = f"{ours / ref:.2f}" if numbers and ref else ""
        print(f"| {label} | {fmt(ours)} | {fmt(ref)} | {ratio} |")
    if args.only in ("all", "e2e"):
        if rows:
            print()
        levels = [q.strip() for q in args.e2e_qos.split(",") if q.strip()]
        for line in end_to_end(args, args.e2e_lines, args.e2e_runs, levels):
            print(line, flush=True)


def mosquitto_version():
    out = subprocess.run(["mosquitto_sub", "--help"], capture_output=True, text=True).stdout
    for word in out.split():
        if word[:1].isdigit() and word.count(".") == 2:
            return word.rstrip(".")
    return "?"


if __name__ == "__main__":
    sys.exit(main())
