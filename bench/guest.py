"""hotmem under QEMU with one virtio-mem device, for the resize benchmarks (bench/resize.py,
bench/resize_1t.py): boot to the prompt, resize over QMP and time it from the host, read the guest's own
split of the time and QEMU's resident set."""
import os
import re
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
from vm import VM, CaseFailure  # noqa: E402
from qmp import QMPError, QMPTimeout  # noqa: E402

PROMPT = "hotmem> "
DEV = "/machine/peripheral/vm0"
G, M = 1 << 30, 1 << 20
# What a bounded wait that ran out, QEMU exiting, or QEMU refusing a command raises.
FAILURES = (CaseFailure, QMPError, QMPTimeout)


def qemu_version():
    words = os.popen("%s --version" % os.environ.get("QEMU", "qemu-system-x86_64")).readline().split()
    return words[3] if len(words) > 3 else "?"


class Guest:
    """hotmem under QEMU with one virtio-mem device (vm0). Defaults: the Linux comparison's setup."""

    def __init__(self, block, verbose, mem="1G,maxmem=17G", region="16G", cpu=None, backend_opts=""):
        self.vm = VM("bench-%s-%s" % (region, block),
                     echo=(lambda l: print("      | " + l)) if verbose else None)
        argv = [os.environ.get("QEMU", "qemu-system-x86_64"), "-machine", "q35",
                "-accel", os.environ.get("ACCEL", "tcg")]
        if cpu:
            argv += ["-cpu", cpu]
        argv += ["-m", mem, "-no-reboot", "-display", "none",
                 "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                 "-object", "memory-backend-ram,id=mem0,size=%s%s" % (region, backend_opts),
                 "-device", "virtio-mem-pci,id=vm0,memdev=mem0,requested-size=0,block-size=%s" % block,
                 "-kernel", os.path.join(ROOT, "build", "hotmem.elf")]
        t0 = time.monotonic()
        self.vm.start(argv)
        self.vm.wait_regex(re.escape(PROMPT), 60, "the shell prompt")
        self.boot = time.monotonic() - t0
        self.size = 0

    def run(self, cmd, timeout=120):
        start = len(self.vm.text)
        self.vm.write(cmd + "\r")
        echo = self.vm.wait_regex(re.escape(cmd) + r"\n", timeout, "the echo of " + cmd, start=start)
        m = self.vm.wait_regex(re.escape(PROMPT), timeout, "the prompt after " + cmd, start=echo.end())
        return self.vm.text[echo.end():m.start()]

    def meminfo(self, key):
        m = re.search(r"^%s:\s+(\d+) kB" % key, self.run("meminfo"), re.M)
        return int(m.group(1)) * 1024 if m else None

    def rss(self):
        """QEMU's resident set (VmRSS) in bytes: the guest memory it has backed so far, and its own."""
        with open("/proc/%d/status" % self.vm.proc.pid) as f:
            return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1)) * 1024

    def split(self, start, timeout=30):
        """The guest's own timing of the resize whose output begins at serial offset `start`."""
        m = self.vm.wait_regex(r"^virtio-mem0: resize done: .* in (\d+) us\b", timeout, "the resize done line",
                               start=start)
        t = self.vm.wait_regex(r"^virtio-mem0: resize time: requests (\d+) us \((\d+)\), add (\d+) us, "
                               r"online (\d+) us, unplug (\d+) us$", timeout, "the resize time line", start=start)
        return {"guest": int(m.group(1)), "requests": int(t.group(1)), "nreq": int(t.group(2)),
                "add": int(t.group(3)), "online": int(t.group(4)), "unplug": int(t.group(5))}

    def resize(self, size, timeout=60):
        """Returns (host seconds, guest split dict)."""
        start = len(self.vm.text)
        grow = size > self.size
        t0 = time.monotonic()
        self.vm.qmp.qom_set(DEV, "requested-size", size)
        if grow:
            self.vm.wait_regex(r"^virtio-mem0: resize done: ", timeout, "the resize done line", start=start)
            took = time.monotonic() - t0
        else:
            took = self.vm.qmp.wait_qom(DEV, "size", size, timeout, interval=0.001)
        self.size = size
        return took, self.split(start)

    def stop(self):
        try:
            self.vm.write("poweroff\r")
            self.vm.wait_exit(20)
        except CaseFailure:
            pass
        self.vm.stop()


def fmt_split(s):
    return "guest %7.1f ms = req %5.1f ms (%d), add %6.1f, online %6.1f, unplug %7.1f" % (
        s["guest"] / 1000, s["requests"] / 1000, s["nreq"], s["add"] / 1000, s["online"] / 1000,
        s["unplug"] / 1000)
