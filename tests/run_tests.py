#!/usr/bin/env python3
"""hotmem's test runner: every host unit test binary (build/host/test_*), the runner's own tests
(tests/qemu/test_runner.py), lint, a short run of each libFuzzer harness (build/fuzz/fuzz_*) and every
QEMU case in tests/qemu/cases.cfg. Python 3 standard library only.

    tests/run_tests.py                  everything (make test builds what it needs first)
    tests/run_tests.py -g boot          only cases in group "boot" (-g may repeat; "host" = host tests
                                        and fuzz runs, "fuzz" = the fuzz runs only)
    tests/run_tests.py pvh-q35-512M     only the named cases / host binaries (shell patterns work)
    tests/run_tests.py -v               echo every line of every test (serial output included)
    tests/run_tests.py --host-only | --qemu-only | -j N | --list

Prints PASS:/FAIL:/SKIP: lines and ends with exactly one line `N passed, N failed` (`, N skipped` when
some were skipped). Exit status 1 on any failure (or when nothing was selected). A failing QEMU case
saves its transcript to build/test-logs/<case>.log and names it in its FAIL line.
"""

import argparse
import concurrent.futures
import fnmatch
import glob
import os
import re
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))

import script  # noqa: E402  (needs the path above)
import vm  # noqa: E402
from vm import CaseFailure  # noqa: E402

RESULT = re.compile(r"^(PASS|FAIL|SKIP): ")
HOST_TIMEOUT = 300
# The labs check builds and grades a student tree per lab (host tests and QEMU cases): minutes, not
# seconds, and several more on a loaded machine.
LABS_TIMEOUT = 900
LOG_DIR = os.path.join(ROOT, "build", "test-logs")
RUNNER_TEST = os.path.join(ROOT, "tests", "qemu", "test_runner.py")
LINT_TEST = os.path.join(ROOT, "tests", "lint.sh")  # make lint (cppcheck, layers) as a test
LAYERING_TEST = os.path.join(ROOT, "tests", "layering.sh")  # who may include and call what
FORMAT_TEST = os.path.join(ROOT, "tests", "format.sh")  # make format would change nothing
LABS_TEST = os.path.join(ROOT, "tests", "labs", "check.sh")  # every lab: reference full, student tree less
FUZZ_RUN = os.path.join(ROOT, "tests", "fuzz", "run.sh")  # one libFuzzer harness, briefly
FUZZ_DIR = os.path.join(ROOT, "build", "fuzz")
# Seconds each harness fuzzes in make test, from a fresh copy of its committed corpus.
FUZZ_TEST_SECONDS = int(os.environ.get("FUZZ_TEST_SECONDS", "10"))


class Report:
    """Collects results from worker threads and prints each line once, whole."""

    def __init__(self, verbose):
        self.verbose = verbose
        self.counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
        self.lock = threading.Lock()
        self.interrupted = False
        self.scale = 1.0           # --timeout-scale

    def result(self, line):
        kind = line[:4]
        if self.interrupted:
            return
        with self.lock:
            self.counts[kind] += 1
            print(line, flush=True)

    def echo(self, prefix, line):
        if self.verbose:
            with self.lock:
                print("%s| %s" % (prefix, line), flush=True)

    def info(self, line):
        with self.lock:
            print("INFO: " + line, flush=True)


# ---- host tests ----
def host_argv(path):
    """The command that runs one host test: a binary, a Python script, or a fuzz harness (run
    briefly by tests/fuzz/run.sh from its committed corpus)."""
    if path.endswith(".py"):
        return [sys.executable, path]
    if os.path.dirname(path) == FUZZ_DIR:
        return [FUZZ_RUN, "--test", os.path.basename(path), str(FUZZ_TEST_SECONDS)]
    return [path]


def run_host_test(path):
    """Run one host test binary. Returns (name, output lines, result lines): its own PASS/FAIL/SKIP
    lines, plus one FAIL when it crashed, timed out, or exited non-zero without a FAIL line (with the
    tail of its output), or printed no result at all."""
    name = os.path.basename(path)
    limit = LABS_TIMEOUT if path == LABS_TEST else HOST_TIMEOUT
    try:
        argv = host_argv(path)
        p = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=limit)
        out, status = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out, status = (e.output or b"").decode("utf-8", "replace"), None
    lines = out.splitlines()
    results = [line for line in lines if RESULT.match(line)]
    failed = any(line.startswith("FAIL") for line in results)
    tail = " | ".join(l.strip() for l in lines[-8:] if l.strip()) or "no output"
    if status is None:
        results.append("FAIL: host: %s: timed out after %ds: %s" % (name, limit, tail))
    elif status != 0 and not failed:
        why = ("killed by signal %d" % -status) if status < 0 else ("exited with status %d" % status)
        results.append("FAIL: host: %s: %s: %s" % (name, why, tail))
    elif status == 0 and not results:
        results.append("FAIL: host: %s: exited 0 but printed no PASS/FAIL/SKIP line: %s" % (name, tail))
    return name, lines, results


def run_host_tests(paths, report, jobs):
    """Run the binaries `jobs` at a time; report each one's lines whole, in name order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for name, lines, results in pool.map(run_host_test, paths):
            for line in lines:
                report.echo("host " + name, line)
            for line in results:
                report.result(line)


# ---- QEMU cases ----
class Gate:
    """Lets cases run side by side, except an exclusive case, which runs alone (a reader/writer lock
    that prefers the writer, so an exclusive case waiting is not starved)."""

    def __init__(self):
        self.cond = threading.Condition()
        self.running = 0
        self.alone = False
        self.waiting_alone = 0

    def enter(self, exclusive):
        with self.cond:
            if exclusive:
                self.waiting_alone += 1
                self.cond.wait_for(lambda: not self.alone and self.running == 0)
                self.waiting_alone -= 1
                self.alone = True
            else:
                self.cond.wait_for(lambda: not self.alone and self.waiting_alone == 0)
                self.running += 1

    def leave(self, exclusive):
        with self.cond:
            if exclusive:
                self.alone = False
            else:
                self.running -= 1
            self.cond.notify_all()


def run_case(case, report, gate):
    gate.enter(case.exclusive)
    try:
        run_case_now(case, report)
    finally:
        gate.leave(case.exclusive)


def run_case_now(case, report):
    t0 = time.monotonic()
    runner = script.Runner(case, ROOT, echo=lambda line: report.echo(case.name, line), scale=report.scale)
    why = None
    try:
        runner.run()
    except CaseFailure as e:
        why = str(e)
    except Exception as e:  # a bug in a check or in the runner: still a clean FAIL with a transcript
        why = "runner error: %s: %s" % (type(e).__name__, e)
    finally:
        runner.vm.stop()
    took = time.monotonic() - t0
    for line in runner.ktest_lines:
        report.result(line)
    log = os.path.join(LOG_DIR, case.name + ".log")
    if why is None:
        if os.path.exists(log):
            os.remove(log)  # a stale transcript of an earlier failure would mislead
        report.result("PASS: qemu: %s" % case.name)
    else:
        os.makedirs(LOG_DIR, exist_ok=True)
        header = "%s: FAILED after %.1fs: %s" % (case.name, took, why)
        with open(log, "w") as f:
            f.write(runner.vm.transcript(header))
        report.result("FAIL: qemu: %s: %s (transcript: %s)" % (case.name, why, os.path.relpath(log, ROOT)))
    if report.verbose:
        report.info("qemu: %s took %.1fs" % (case.name, took))


def selected(name, groups, patterns, opts):
    if opts.group and not (set(opts.group) & groups):
        return False
    return not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)


def on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `run_tests.py --list | head` ends quietly
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Environment: ACCEL=kvm (default tcg), QEMU=<binary>, "
                                        "TIMEOUT_SCALE=F.")
    ap.add_argument("names", nargs="*", help="case or host binary names (shell patterns)")
    ap.add_argument("-g", "--group", action="append", help="only tests in GROUP (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo all output")
    ap.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="host binaries / QEMU cases run at once (default: 2, or 1 on one CPU)")
    ap.add_argument("--host-only", action="store_true")
    ap.add_argument("--qemu-only", action="store_true")
    ap.add_argument("--timeout-scale", type=float, default=float(os.environ.get("TIMEOUT_SCALE", "1")),
                    metavar="F", help="multiply every QEMU timeout by F (default $TIMEOUT_SCALE or 1; "
                    "e.g. 10 with ACCEL=kvm where KVM is slow)")
    ap.add_argument("--list", action="store_true", help="list the selected tests and exit")
    ap.add_argument("--cases", default=os.path.join(ROOT, "tests", "qemu", "cases.cfg"))
    opts = ap.parse_args()

    # Host tests: the C unit tests, the runner's own tests (tests/qemu/test_runner.py, no QEMU), lint,
    # the labs check and a short run of each libFuzzer harness (group "fuzz" too); the labs check
    # and the fuzz runs first: they take the longest.
    fuzz = sorted(glob.glob(os.path.join(FUZZ_DIR, "fuzz_*")))
    host = [] if opts.qemu_only else [
        p for p in [LABS_TEST] + fuzz + sorted(glob.glob(os.path.join(ROOT, "build", "host", "test_*"))) + [RUNNER_TEST, LINT_TEST, LAYERING_TEST, FORMAT_TEST]
        if os.access(p, os.X_OK) and os.path.isfile(p) and not p.endswith((".d", ".o")) and
        selected(os.path.basename(p), {"host", "fuzz"} if p in fuzz else {"host"}, opts.names, opts)]
    try:
        cases = [] if opts.host_only else [c for c in script.load_cases(opts.cases)
                                           if selected(c.name, c.groups, opts.names, opts)]
    except (OSError, ValueError) as e:
        print("FAIL: qemu: case table: %s" % e)
        print("0 passed, 1 failed")
        return 1

    if opts.list:
        for p in host:
            print("%s  %s" % ("fuzz" if os.path.dirname(p) == FUZZ_DIR else "host", os.path.relpath(p, ROOT)))
        for c in cases:
            print("qemu  %-28s %-8s %-4s -m %-17s %s groups: %s" % (
                c.name, c.boot, c.machine, c.memory, "alone" if c.exclusive else "     ",
                " ".join(sorted(c.groups))))
        return 0

    report = Report(opts.verbose)
    report.scale = opts.timeout_scale
    t0 = time.monotonic()
    if not host and not cases:
        print("INFO: no test matches the selection")
        print("0 passed, 0 failed")
        return 1
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs))
    try:
        # Host tests first (their output in name order), then the QEMU cases.
        run_host_tests(host, report, opts.jobs)
        t_host = time.monotonic() - t0
        # Exclusive cases first (they run alone, so the others later run side by side), then the
        # longest (by timeout) first so that a slow case does not start last.
        gate = Gate()
        order = sorted(cases, key=lambda c: (not c.exclusive, -c.timeout))
        futures = [pool.submit(run_case, c, report, gate) for c in order]
        for f in futures:
            f.result()
    except KeyboardInterrupt:
        report.interrupted = True
        pool.shutdown(wait=False, cancel_futures=True)
        vm.kill_all()
        print("INFO: interrupted; every QEMU was killed", flush=True)
        return 130
    pool.shutdown()
    t_all = time.monotonic() - t0
    report.info("%d host binaries in %.1fs, %d QEMU cases in %.1fs (-j %d, accel %s%s)"
                % (len(host), t_host, len(cases), t_all - t_host, opts.jobs, os.environ.get("ACCEL", "tcg"),
                   ", timeouts x%g" % opts.timeout_scale if opts.timeout_scale != 1 else ""))
    n = report.counts
    line = "%d passed, %d failed" % (n["PASS"], n["FAIL"])
    if n["SKIP"]:
        line += ", %d skipped" % n["SKIP"]
    print(line, flush=True)
    return 1 if n["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
