"""A small QMP (QEMU Machine Protocol) client over a unix socket, standard library only.

    q = QMP("/tmp/x/qmp.sock", log=print)
    q.connect(timeout=10)                 # greeting + qmp_capabilities
    q.execute("query-status")             # -> the "return" value; QMPError on an "error" answer
    q.qom_set("/machine/peripheral/vm0", "requested-size", 1 << 30)
    q.set_requested_size(1 << 30, "vm0"); q.plugged_size("vm0")   # the same, for virtio-mem
    q.wait_event("MEMORY_DEVICE_SIZE_CHANGE", timeout=10)
    q.close()

Every wait is bounded and a timeout raises QMPTimeout naming what was awaited. Asynchronous events
that arrive while waiting for a reply are kept in `events` (oldest first) for wait_event().
"""

import json
import socket
import time

VM0 = "/machine/peripheral/vm0"


class QMPError(Exception):
    """QEMU answered a command with an error."""


class QMPTimeout(Exception):
    """A bounded wait ran out."""


class QMP:
    def __init__(self, path, log=None):
        """path: the unix socket of `-qmp unix:PATH,server=on,wait=off`. log(direction, text) sees all
        traffic ("->" sent, "<-" received, "!!" problems) for the transcript."""
        self.path = path
        self.log = log or (lambda direction, text: None)
        self.sock = None
        self.buf = b""
        self.events = []
        self.next_id = 1
        self.greeting = None

    # ---- connection ----
    def connect(self, timeout=10.0):
        """Connect (retrying while QEMU creates the socket), read the greeting and leave
        capabilities negotiation mode."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.path)
                self.sock = s
                break
            except OSError as e:
                s.close()
                last = e
                if time.monotonic() >= deadline:
                    raise QMPTimeout("timed out after %gs connecting to QMP socket %s (%s)"
                                     % (timeout, self.path, last))
                time.sleep(0.02)
        # QEMU 7.2 may put an event (RESUME, when we connect just as the machine starts) on the wire
        # before the greeting, which it sends from a bottom half: keep such events and read on.
        while True:
            try:
                msg = self._read_message(deadline, "the QMP greeting")
            except QMPTimeout:
                raise QMPTimeout("timed out after %gs waiting for the QMP greeting on %s" % (timeout, self.path))
            if "event" not in msg:
                break
            self.events.append(msg)
        if "QMP" not in msg:
            raise QMPError("unexpected first QMP message: %s" % json.dumps(msg))
        self.greeting = msg["QMP"]
        self.execute("qmp_capabilities", timeout=max(0.1, deadline - time.monotonic()))

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            finally:
                self.sock = None

    # ---- commands ----
    def execute(self, command, arguments=None, timeout=10.0):
        """Run one command; returns its "return" value. Raises QMPError when QEMU answers with an
        error, QMPTimeout when no answer comes within timeout seconds."""
        if not self.sock:
            raise QMPError("QMP is not connected (%s)" % self.path)
        ident = self.next_id
        self.next_id += 1
        req = {"execute": command, "id": ident}
        if arguments:
            req["arguments"] = arguments
        text = json.dumps(req)
        self.log("->", text)
        try:
            self.sock.sendall(text.encode() + b"\n")
        except OSError as e:
            raise QMPError("sending %s failed: %s" % (command, e))
        deadline = time.monotonic() + timeout
        what = "the answer to QMP %s" % command
        while True:
            try:
                msg = self._read_message(deadline, what)
            except QMPTimeout:
                raise QMPTimeout("timed out after %gs waiting for %s" % (timeout, what))
            if "event" in msg:
                self.events.append(msg)
                continue
            if msg.get("id") != ident:
                continue
            if "error" in msg:
                err = msg["error"]
                raise QMPError("QMP %s failed: %s: %s" % (command, err.get("class"), err.get("desc")))
            return msg.get("return")

    def qom_get(self, path, prop, timeout=10.0):
        return self.execute("qom-get", {"path": path, "property": prop}, timeout)

    def qom_set(self, path, prop, value, timeout=10.0):
        return self.execute("qom-set", {"path": path, "property": prop, "value": value}, timeout)

    # virtio-mem, by device id (`-device virtio-mem-pci,id=vm0,...`)
    def set_requested_size(self, size, dev="vm0", timeout=10.0):
        return self.qom_set("/machine/peripheral/" + dev, "requested-size", size, timeout)

    def plugged_size(self, dev="vm0", timeout=10.0):
        return self.qom_get("/machine/peripheral/" + dev, "size", timeout)

    def wait_qom(self, path, prop, value, timeout, interval=0.01):
        """Poll qom-get until it returns `value`, every `interval` seconds at first and less often
        later (at most every 0.25 s). Returns the seconds it took; QMPTimeout names the last value
        seen."""
        start = time.monotonic()
        deadline = start + timeout
        while True:
            left = deadline - time.monotonic()
            cur = self.qom_get(path, prop, timeout=max(left, 0.5))
            if cur == value:
                return time.monotonic() - start
            if time.monotonic() >= deadline:
                raise QMPTimeout("timed out after %gs waiting for qom-get %s %s == %s (last: %s)"
                                 % (timeout, path, prop, value, cur))
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
            interval = min(interval * 1.5, 0.25)

    # ---- virtio-balloon ----
    def set_balloon(self, size, timeout=10.0):
        """QMP `balloon`: ask the guest's balloon to leave it `size` bytes of RAM."""
        return self.execute("balloon", {"value": size}, timeout)

    def wait_balloon(self, size, timeout, interval=0.01):
        """Poll `query-balloon` until its `actual` (RAM left to the guest, in bytes) is `size`.
        Returns the seconds it took; QMPTimeout names the last value seen."""
        start = time.monotonic()
        deadline = start + timeout
        while True:
            left = deadline - time.monotonic()
            cur = self.execute("query-balloon", timeout=max(left, 0.5)).get("actual")
            if cur == size:
                return time.monotonic() - start
            if time.monotonic() >= deadline:
                raise QMPTimeout("timed out after %gs waiting for query-balloon actual == %s (last: %s)"
                                 % (timeout, size, cur))
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
            interval = min(interval * 1.5, 0.25)

    # ---- events ----
    def wait_event(self, name, timeout=10.0):
        """Return (and remove) the oldest event called `name`, waiting up to timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("event") == name:
                    return self.events.pop(i)
            try:
                msg = self._read_message(deadline, "QMP event %s" % name)
            except QMPTimeout:
                raise QMPTimeout("timed out after %gs waiting for QMP event %s" % (timeout, name))
            if "event" in msg:
                self.events.append(msg)

    # ---- wire ----
    def _read_message(self, deadline, what):
        """Read one JSON message (QEMU sends one per line)."""
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPTimeout("timed out waiting for %s" % what)
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                raise QMPError("QMP connection failed while waiting for %s: %s" % (what, e))
            if not chunk:
                raise QMPError("QMP connection closed (QEMU exited?) while waiting for %s" % what)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.decode("utf-8", "replace").strip()
        self.log("<-", text)
        try:
            return json.loads(text)
        except ValueError:
            raise QMPError("QMP sent something that is not JSON: %r" % text[:200])


if __name__ == "__main__":
    # Poke a running QEMU by hand: python3 tests/qemu/qmp.py build/qmp.sock query-status
    import sys
    if len(sys.argv) < 3:
        sys.exit("usage: qmp.py SOCKET COMMAND [JSON-ARGUMENTS]")
    q = QMP(sys.argv[1])
    q.connect()
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
    print(json.dumps(q.execute(sys.argv[2], args), indent=2))
    q.close()
