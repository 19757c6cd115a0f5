"""Checks that need Python, called from a case's script as `call NAME [ARGS]` (dashes or underscores).

A check is a function f(runner, *args) registered with @check. It reads the case (runner.case: boot,
machine, memory...), the serial output (runner.vm.text), the last shell command's output
(runner.output) and QMP (runner.vm.qmp), and raises CaseFailure with one line saying what is wrong.
A check that waits bounds every wait by runner.budget(runner.within or DEFAULT): the step's
`within T`, cut to what is left of the case's timeout.
"""

import re

from vm import CaseFailure

CHECKS = {}

GiB = 1 << 30
MiB = 1 << 20


def check(fn):
    CHECKS[fn.__name__] = fn
    return fn


def fmt(n):
    if n == 0:
        return "0"
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, unit)
    return "%#x" % n


def qemu_ram_layout(machine, ram):
    """(RAM below 4 GiB, RAM from 4 GiB up) as QEMU 7.2 places `-m ram`: q35 keeps everything low
    up to 2.75 GiB, else 2 GiB low and the rest from 4 GiB; pc (i440fx) keeps up to 3.5 GiB low,
    else 3 GiB low (gigabyte alignment) and the rest from 4 GiB."""
    if machine.startswith("q35"):
        lowmem = 0x80000000 if ram >= 0xB0000000 else 0xB0000000
    else:
        lowmem = 0xC0000000 if ram >= 0xE0000000 else 0xE0000000
    below = min(ram, lowmem)
    return below, ram - below


# The boot banner's memory map (kernel/main.c): a header, then one line per region, e.g.
#   memory map (9 regions):
#     e820: [mem 0x0000000000100000-0x000000001ffdefff] usable
# The end is inclusive, as in Linux's e820 lines.
MAP_HEADER = re.compile(r"^memory map \((\d+) regions?\):$", re.M)
MAP_LINE = re.compile(r"^\s*e820: \[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\] ([\w -]+?)\s*$", re.M)


def parse_memory_map(text):
    """[(start, end_exclusive, type)] from the first memory map in `text` (a later `dmesg` may
    print it again)."""
    head = MAP_HEADER.search(text)
    if not head:
        raise CaseFailure("no memory map header (/%s/) in the serial output" % MAP_HEADER.pattern)
    count = int(head.group(1))
    lines = text[head.end():].lstrip("\n").split("\n")[:count]
    regions = []
    for line in lines:
        m = MAP_LINE.match(line)
        if not m:
            raise CaseFailure("memory map line %d of %d is not /%s/: %r"
                              % (len(regions) + 1, count, MAP_LINE.pattern, line))
        regions.append((int(m.group(1), 16), int(m.group(2), 16) + 1, m.group(3)))
    return regions


def overlap(a0, a1, b0, b1):
    return max(0, min(a1, b1) - max(a0, b0))


@check
def memory_map(runner, slack="2M"):
    """The banner's memory map agrees with -m: usable RAM totals -m less at most `slack` (the legacy
    hole below 1 MiB and the firmware's reservations), nothing usable in the PCI hole below 4 GiB,
    RAM from 4 GiB up exactly when -m does not fit below the hole, and nothing usable beyond RAM."""
    from script import parse_size, ram_bytes
    ram, slack = ram_bytes(runner.case.memory), parse_size(slack)
    regions = parse_memory_map(runner.vm.text)
    usable = [(s, e) for s, e, t in regions if t.lower() in ("usable", "ram", "available")]
    total = sum(e - s for s, e in usable)
    below, above = qemu_ram_layout(runner.case.machine, ram)
    where = "-m %s on %s" % (runner.case.memory, runner.case.machine)
    if not ram - slack <= total <= ram:
        raise CaseFailure("usable RAM is %s (%d bytes), expected %s less at most %s for %s"
                          % (fmt(total), total, fmt(ram), fmt(slack), where))
    hole = sum(overlap(s, e, below, 4 * GiB) for s, e in usable)
    if hole:
        raise CaseFailure("%s of usable RAM inside the PCI hole %#x-%#x for %s" % (fmt(hole), below, 4 * GiB, where))
    high = sum(overlap(s, e, 4 * GiB, 1 << 52) for s, e in usable)
    if high != above:
        raise CaseFailure("usable RAM from 4 GiB up is %s, expected %s for %s" % (fmt(high), fmt(above), where))
    beyond = sum(overlap(s, e, 4 * GiB + above, 1 << 52) for s, e in usable)
    if above and beyond:
        raise CaseFailure("usable RAM beyond the end of RAM (%#x) for %s" % (4 * GiB + above, where))
    runner.vm.note("check", "memory map: %d regions, usable %s (%d bytes), %s above 4 GiB"
                   % (len(regions), fmt(total), total, fmt(high)))


@check
def resize(runner, dev="vm0", size="1G"):
    """Resize virtio-mem device DEV to SIZE as a hypervisor would: qom-set requested-size, then wait
    for the driver's `virtio-mem<N>: resize done: plugged=SIZE requested=SIZE` line and for QEMU's
    `size` (what is plugged) to equal SIZE, all within the step's `within` (default 30 s). Notes
    both times in the transcript."""
    import time
    from qmp import QMPError, QMPTimeout
    from script import parse_size
    want, t = parse_size(size), runner.budget(runner.within or 30)
    start = time.monotonic()
    try:
        runner.vm.qmp.set_requested_size(want, dev, t)
        line = runner.vm.wait_regex(r"^virtio-mem\d+: resize done: plugged=%d requested=%d in \d+ us" % (want, want),
                                    t, "'virtio-mem<N>: resize done: plugged=%d requested=%d'" % (want, want))
        seen = time.monotonic() - start
        runner.vm.qmp.wait_qom("/machine/peripheral/" + dev, "size", want, max(0.5, t - seen))
    except (QMPError, QMPTimeout) as e:
        runner.vm.check_alive("resizing " + dev)
        raise CaseFailure(str(e))
    runner.vm.note("check", "resize %s to %s: log line after %.3fs, QEMU size after %.3fs (%s)"
                   % (dev, size, seen, time.monotonic() - start, line.group(0)))


@check
def balloon(runner, size="0"):
    """Set the guest's RAM to SIZE with QMP `balloon` (the driver inflates or deflates to the rest of
    the boot RAM) and wait, within the step's `within` (default 30 s), for `query-balloon` to report
    SIZE. Notes the time in the transcript."""
    import time
    from qmp import QMPError, QMPTimeout
    from script import parse_size
    want, t = parse_size(size), runner.budget(runner.within or 30)
    start = time.monotonic()
    try:
        runner.vm.qmp.set_balloon(want, t)
        runner.vm.qmp.wait_balloon(want, max(0.5, t - (time.monotonic() - start)))
    except (QMPError, QMPTimeout) as e:
        runner.vm.check_alive("ballooning to " + size)
        raise CaseFailure(str(e))
    runner.vm.note("check", "balloon to %s: query-balloon after %.3fs" % (size, time.monotonic() - start))


def balloon_blocks(runner):
    """[(pages, block)] of the `balloon` command's `memory blocks` line, most pages first."""
    runner._command("balloon", None)
    m = re.search(r"^balloon:   memory blocks((?: \d+:\d+)+)", runner.output, re.M)
    if not m:
        raise CaseFailure("`balloon` shows no memory blocks (output: %s)" % runner.output.strip())
    return sorted(((int(c), int(b)) for b, c in (x.split(":") for x in m.group(1).split())), reverse=True)


@check
def offline_balloon_block(runner, expect="ok"):
    """`memory N offline` of the block other than 0 holding most of the balloon's pages (from the
    first eight blocks `balloon` lists): with
    EXPECT ok it must succeed and no balloon page may be left in N; with EXPECT refused it must fail
    naming a PageOffline page without movable operations, and the balloon must hold as many pages in
    N as before."""
    # block 0 has the firmware's hole below 1 MiB and never goes offline
    pages, block = [pb for pb in balloon_blocks(runner) if pb[1] != 0][0]
    cmd = "memory %d offline" % block
    if expect == "refused":
        runner.step_run_error(cmd, None)
        if "PageOffline, refcount 1, no movable operations" not in runner.output:
            raise CaseFailure("%r failed for another reason: %s" % (cmd, runner.output.strip()))
        after = dict((b, c) for c, b in balloon_blocks(runner))
        if after.get(block) != pages:
            raise CaseFailure("block %d held %d balloon pages before the refused offline, %s after"
                              % (block, pages, after.get(block)))
    else:
        runner.step_run(cmd, None)
        if not re.search(r"^hotplug: memory%d: offline" % block, runner.output, re.M):
            raise CaseFailure("%r printed no offline line: %s" % (cmd, runner.output.strip()))
        after = dict((b, c) for c, b in balloon_blocks(runner))
        if block in after:
            raise CaseFailure("block %d is offline but still holds %d balloon pages" % (block, after[block]))
    runner.vm.note("check", "block %d with %d balloon pages: offline %s" % (block, pages, expect))


@check
def balloon_stats(runner, dev="bal0"):
    """Turn on QEMU's statistics polling of DEV (every second) and wait, within the step's `within`
    (default 20 s), for `guest-stats` to show the driver's figures: stat-total-memory equal to the last
    `meminfo` MemTotal, stat-free-memory and stat-available-memory above 0, in two updates with
    different `last-update` times. QEMU reads the buffer the driver hands it at probe at once, before
    it ever gives one back; only the second update proves the driver answered a request (its `stats
    sent` count is then at least 1)."""
    import time
    from qmp import QMPError, QMPTimeout
    m = re.search(r"^MemTotal:\s+(\d+) kB$", runner.output or "", re.M)
    if not m:
        raise CaseFailure("call balloon_stats after `run meminfo`")
    total = int(m.group(1)) * 1024
    path = "/machine/peripheral/" + dev
    t = runner.budget(runner.within or 20)
    deadline = time.monotonic() + t
    seen = set()
    try:
        runner.vm.qmp.qom_set(path, "guest-stats-polling-interval", 1, t)
        while True:
            st = runner.vm.qmp.qom_get(path, "guest-stats", max(0.5, deadline - time.monotonic()))
            s = st.get("stats", {})
            if s.get("stat-total-memory") == total and s.get("stat-free-memory", -1) > 0 \
                    and s.get("stat-available-memory", -1) > 0:
                seen.add(st.get("last-update"))
                if len(seen) >= 2:
                    break
            if time.monotonic() >= deadline:
                raise CaseFailure("guest-stats did not show total %d with free and available memory in "
                                  "two updates (updates seen: %d; last: %s)" % (total, len(seen), s))
            time.sleep(0.2)
    except (QMPError, QMPTimeout) as e:
        runner.vm.check_alive("reading guest-stats")
        raise CaseFailure(str(e))
    runner.vm.note("check", "guest-stats: %s" % s)


@check
def meminfo_totals(runner):
    """The last `meminfo` output's MemTotal equals the banner's usable RAM minus what the memory
    manager reserved at boot: the `mm:   reserved <name> N kB` lines, and usable bytes that are not
    whole pages (`mm:   usable bytes outside whole pages: N`)."""
    text = runner.vm.text
    usable = sum(e - s for s, e, t in parse_memory_map(text) if t == "usable")
    reserved = sum(int(m.group(2)) << 10 for m in re.finditer(r"^mm:\s+reserved (.+?)\s+(\d+) kB$", text, re.M))
    m = re.search(r"^mm:\s+usable bytes outside whole pages: (\d+)", text, re.M)
    edges = int(m.group(1)) if m else 0
    m = re.search(r"^MemTotal:\s+(\d+) kB$", runner.output or "", re.M)
    if not m:
        raise CaseFailure("no 'MemTotal: N kB' line in the last command's output")
    total = int(m.group(1)) << 10
    want = usable - edges - reserved
    if total != want:
        raise CaseFailure("MemTotal %d kB, but usable %d - %d bytes outside pages - reserved %d kB = %d kB"
                          % (total >> 10, usable, edges, reserved >> 10, want >> 10))
    runner.vm.note("check", "meminfo: MemTotal %d kB = usable %d - edges %d - reserved %d kB"
                   % (total >> 10, usable, edges, reserved >> 10))


@check
def meminfo_free_unchanged(runner):
    """MemFree of the last `meminfo` equals that of the case's first `meminfo`: whatever ran between them
    (a program, its heap) gave every page back."""
    free = re.findall(r"^MemFree:\s+(\d+) kB$", runner.vm.text, re.M)
    if len(free) < 2:
        raise CaseFailure("call meminfo_free_unchanged after two `run meminfo` (found %d MemFree lines)"
                          % len(free))
    if free[0] != free[-1]:
        raise CaseFailure("MemFree was %s kB at the first meminfo and is %s kB now" % (free[0], free[-1]))
    runner.vm.note("check", "MemFree %s kB before and after" % free[0])


@check
def gdb_backtrace(runner, port):
    """What `make run GDB=1` + `make gdb` give a student: gdb attaches to QEMU's gdb server (the case
    passes `-gdb tcp:127.0.0.1:PORT`), loads build/hotmem.elf's symbols, and a backtrace of the kernel
    idling at the prompt names the idle thread's loop and the entry every thread starts from (the shell
    sleeps meanwhile, kernel/sched.c). Then gdb detaches and the kernel runs on."""
    import os
    import shutil
    import subprocess
    if not shutil.which("gdb"):
        raise CaseFailure("gdb is not installed (scripts/setup lists it as optional; apt-get install gdb)")
    elf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "hotmem.elf")
    t = runner.budget(runner.within or 30)
    cmd = ["gdb", "-q", "-batch", "-nx", elf, "-ex", "target remote 127.0.0.1:%s" % port,
           "-ex", "bt", "-ex", "detach"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=t)
    except subprocess.TimeoutExpired:
        raise CaseFailure("timed out after %gs waiting for gdb to attach to port %s and print a backtrace"
                          % (t, port))
    out = p.stdout + p.stderr
    runner.vm.note("check", "gdb: " + " | ".join(out.splitlines()[-8:]))
    for want in ("idle_fn", "thread_entry"):
        if not re.search(r"\b%s \(" % want, out):
            raise CaseFailure("gdb's backtrace does not name %s(): %s" % (want, " | ".join(out.splitlines()[-6:])))
    if "warning" in out.lower():
        raise CaseFailure("gdb printed a warning: %s" % next(l for l in out.splitlines() if "warning" in l.lower()))


@check
def count_lines(runner, count, *regex):
    """The serial output so far has exactly COUNT lines matching REGEX (the rest of the words, joined
    by spaces). `loglevel=` uses it: a line below the console level shows once (in `dmesg`), not twice."""
    pattern = re.compile(" ".join(regex), re.M)
    n = len(pattern.findall(runner.vm.text))
    if n != int(count):
        raise CaseFailure("%d serial lines match /%s/, expected %s" % (n, pattern.pattern, count))


@check
def clock_against_host(runner, seconds="3"):
    """`uptime` twice, SECONDS apart on the host's clock: the guest's nanoseconds between the two (its
    calibrated TSC) must agree with the host's within 20%, a bound the serial round trips under TCG
    stay far inside and a TSC frequency off by 1.25x or more does not. Notes both spans."""
    import time
    spans = []
    for _ in range(2):
        runner._command("uptime", None)
        m = re.search(r"^uptime: (\d+) ns \(", runner.output or "", re.M)
        if not m:
            raise CaseFailure("no 'uptime: N ns (...)' line in the output of uptime: %r" % runner.output)
        spans.append((time.monotonic(), int(m.group(1))))
        if len(spans) == 1:
            time.sleep(float(seconds))
    host = spans[1][0] - spans[0][0]
    guest = (spans[1][1] - spans[0][1]) / 1e9
    ratio = guest / host if host > 0 else 0
    runner.vm.note("check", "clock: %.3f s on the guest's clock over %.3f s on the host's (ratio %.3f)"
                   % (guest, host, ratio))
    if not 0.8 <= ratio <= 1.25:
        raise CaseFailure("the guest's clock ran %.3f s while the host's ran %.3f s (ratio %.3f, want 0.8-1.25):"
                          " the TSC frequency is wrong" % (guest, host, ratio))
