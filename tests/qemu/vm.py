"""One QEMU process under test: its serial line (QEMU's stdin/stdout, `-serial stdio`), its QMP socket,
bounded waits on both, and the transcript of everything that happened (saved when a case fails).

The serial output is kept as one text with "\r" removed; `cursor` marks how far the script has
consumed it, so successive waits see successive output (like expect(1)).
"""

import codecs
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

from qmp import QMP, QMPError, QMPTimeout


class CaseFailure(Exception):
    """Why a case failed, in one line."""


_live = set()
_live_lock = threading.Lock()


def kill_all():
    """Kill every QEMU still running (the runner was interrupted)."""
    with _live_lock:
        procs = list(_live)
    for p in procs:
        try:
            p.kill()
        except OSError:
            pass


def shell_quote(argv):
    out = []
    for a in argv:
        out.append(a if re.fullmatch(r"[\w@%+=:,./-]+", a) else "'" + a.replace("'", "'\\''") + "'")
    return " ".join(out)


class VM:
    def __init__(self, name, echo=None):
        """name: the case (for messages). echo(line): called for every complete serial line when
        the runner is verbose."""
        self.name = name
        self.echo = echo
        self.tmpdir = tempfile.mkdtemp(prefix="hotmem-%s-" % re.sub(r"[^\w-]", "_", name)[:40])
        self.qmp_path = os.path.join(self.tmpdir, "qmp.sock")
        self.argv = []
        self.proc = None
        self.qmp = None
        self.text = ""            # serial output, "\r" removed
        self.cursor = 0           # how far the script has consumed self.text
        self.serial_eof = False
        self.stderr = ""
        self.timeline = []        # (seconds since start, who, text) for the transcript
        self.t0 = time.monotonic()
        self.cond = threading.Condition()
        self._partial = ""
        self._threads = []

    # ---- life cycle ----
    def start(self, argv, qmp=True):
        """Start QEMU with argv (the serial and QMP options are added here) and connect QMP."""
        self.argv = list(argv) + ["-serial", "stdio", "-monitor", "none"]
        if qmp:
            self.argv += ["-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        self.note("runner", "start: " + shell_quote(self.argv))
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE)
        except OSError as e:
            raise CaseFailure("cannot start %s: %s" % (self.argv[0], e))
        with _live_lock:
            _live.add(self.proc)
        for fn in (self._read_serial, self._read_stderr):
            t = threading.Thread(target=fn, daemon=True)
            t.start()
            self._threads.append(t)
        if qmp:
            self.qmp = QMP(self.qmp_path, log=lambda d, t: self.note("qmp " + d, t))
            try:
                self.qmp.connect(timeout=10)
            except (QMPError, QMPTimeout) as e:
                self.check_alive("connecting to QMP")
                raise CaseFailure(str(e))

    def stop(self):
        """Always called at the end of a case: QEMU does not outlive it."""
        if self.qmp:
            self.qmp.close()
        if self.proc and self.proc.poll() is None:
            self.note("runner", "killing QEMU (pid %d)" % self.proc.pid)
            self.proc.kill()
        if self.proc:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            with _live_lock:
                _live.discard(self.proc)
            for t in self._threads:
                t.join(timeout=2)
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    # ---- serial ----
    def _read_serial(self):
        dec = codecs.getincrementaldecoder("utf-8")("replace")
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            text = dec.decode(chunk, final=not chunk).replace("\r", "")
            with self.cond:
                self.text += text
                if not chunk:
                    self.serial_eof = True
                self.cond.notify_all()
            if self.echo:
                self._partial += text
                *lines, self._partial = self._partial.split("\n")
                for line in lines:
                    self.echo(line)
            if not chunk:
                if self.echo and self._partial:
                    self.echo(self._partial)
                return

    def _read_stderr(self):
        data = self.proc.stderr.read()
        with self.cond:
            self.stderr = data.decode("utf-8", "replace")

    def write(self, text):
        """Send raw text on the serial line (QEMU's stdin)."""
        self.note("runner", "serial <- %r" % text)
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except OSError as e:
            self.check_alive("sending %r" % text)
            raise CaseFailure("writing to the serial line failed: %s" % e)

    def wait_regex(self, pattern, timeout, what, start=None, advance=True):
        """Wait until `pattern` (re.M) matches serial output at or after `start` (default: the cursor).
        Returns the match; moves the cursor past it when advance. On timeout or QEMU exit raises
        CaseFailure naming `what`."""
        rx = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        pos = self.cursor if start is None else start
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = rx.search(self.text, pos)
                if m:
                    if advance:
                        self.cursor = max(self.cursor, m.end())
                    return m
                if self.serial_eof:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CaseFailure("timed out after %gs waiting for %s" % (timeout, what))
                self.cond.wait(min(left, 0.5))
        self.check_alive("waiting for " + what)
        raise CaseFailure("serial line closed while waiting for %s" % what)

    # ---- process ----
    def check_alive(self, doing):
        """Raise CaseFailure when QEMU has exited (with its status and the tail of its stderr)."""
        if not self.proc:
            return
        try:
            status = self.proc.wait(timeout=0.5) if self.serial_eof else self.proc.poll()
        except subprocess.TimeoutExpired:
            status = None
        if status is not None:
            self._join_stderr()
            tail = self.stderr.strip().splitlines()[-3:]
            raise CaseFailure("QEMU exited with status %d while %s%s" % (
                status, doing, (": " + " | ".join(tail)) if tail else ""))

    def wait_exit(self, timeout, what="QEMU to exit"):
        """Wait for QEMU to end; returns its exit status."""
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CaseFailure("timed out after %gs waiting for %s" % (timeout, what))
        self._join_stderr()
        self.note("runner", "QEMU exited with status %d" % status)
        return status

    def _join_stderr(self):
        for t in self._threads:
            t.join(timeout=2)

    # ---- transcript ----
    def note(self, who, text):
        self.timeline.append((time.monotonic() - self.t0, who, text))

    def transcript(self, header):
        parts = ["# %s" % header, "", "## QEMU command line", shell_quote(self.argv), "",
                 "## Steps and QMP traffic (seconds since start)"]
        parts += ["%8.3f %-8s %s" % t for t in self.timeline]
        parts += ["", "## Serial output", self.text, "", "## QEMU stderr", self.stderr or "(empty)", ""]
        return "\n".join(parts)
