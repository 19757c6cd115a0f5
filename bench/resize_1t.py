"""Resize cost against size: plug 0->1T and 1T->0 in a guest booted with 512 MiB, beside plug 0->1G and
1G->0 in the same guest, and QEMU's RSS growth during the plugs (bench/resize.py --rows 1t).

QEMU 7.2 setup: -cpu qemu64,phys-bits=44, -m 512M,maxmem=1100G, a 1 TiB memory-backend-ram with
reserve=off, virtio-mem-pci block-size 2M; the device's region then starts at 1 TiB. QEMU 7.2 refuses:

    phys-bits 40 (qemu64's default) or 41   "Address space limit ... phys-bits too low" (42 is the least)
    maxmem below 512M + 1T                  "not enough space ... for memory devices"
    the backend without reserve=off         "cannot set up guest memory 'mem0': Cannot allocate memory"
                                            (a host without 1 TiB of RAM and swap to reserve)

Timed as in bench/resize.py: a plug until the guest's `resize done` line (the memory is usable), an
unplug until the device's `size` equals 0. The 1 GiB rows are the median of --runs runs; the 1 TiB
rows are one run. RSS is /proc/<QEMU pid>/status VmRSS just before the qom-set and once the resize is
done: its growth is the guest memory QEMU had to back, i.e. what the guest wrote (memmap, page tables);
for 1 GiB the first run counts (later runs reuse the memmap pages it wrote).

Targets: plug 0->1T until usable and 1T->0 each at most 3x the same for 1 GiB; QEMU's RSS grows by at
most 64 MiB during the 1 TiB plug.

A 1 TiB row that cannot be reached says so and why, and the bench goes on: the plug counts as stopped
after --stall-1t seconds in which neither the device's plugged size grew nor the guest printed a line,
or after --wait-1t seconds in all; the reason is the guest's last `...; retrying in N ms` line. The
unplug then starts from whatever was plugged.
"""
import re
import statistics
import time

from guest import DEV, FAILURES, G, M, Guest, CaseFailure, fmt_split, qemu_version
from qmp import QMPTimeout

RATIO = 3                  # 1 TiB rows: at most this many times the 1 GiB row
RSS_TARGET = 64 * M        # QEMU's RSS growth during the 1 TiB plug
RETRY = re.compile(r"^virtio-mem0: (.*); retrying in \d+ ms$", re.M)
DONE = re.compile(r"^virtio-mem0: resize done: ", re.M)


def gib(n):
    return "%.1f GiB" % (n / G)


def plug_bounded(g, size, wait, stall):
    """qom-set requested-size `size` and wait for the guest's `resize done` line. Returns (seconds,
    split, None), or (None, None, why) once the guest stopped: nothing new for `stall` seconds (the
    device's plugged size did not grow and no serial line came) or `wait` seconds in all. QEMU
    exiting raises CaseFailure."""
    start = len(g.vm.text)
    t0 = time.monotonic()
    g.vm.qmp.qom_set(DEV, "requested-size", size)
    best, seen, moved = -1, start, t0
    while True:
        try:
            g.vm.wait_regex(DONE, 0.25, "the resize done line", start=start)
            took = time.monotonic() - t0
            g.size = size
            return took, g.split(start), None
        except CaseFailure:
            if g.vm.serial_eof:
                raise
        now = time.monotonic()
        plugged = g.vm.qmp.qom_get(DEV, "size")
        if plugged > best or len(g.vm.text) > seen:
            best, seen, moved = max(best, plugged), len(g.vm.text), now
        if now - moved < stall and now - t0 < wait:
            continue
        errors = RETRY.findall(g.vm.text, start)
        why = errors[-1] if errors else "no error line from the guest"
        if now - moved >= stall:
            return None, None, ("guest stopped at %s plugged (%.1f s after the qom-set; nothing new for %g s "
                                "while waiting for the resize done line): %s"
                                % (gib(plugged), moved - t0, stall, why))
        return None, None, ("no resize done line within %g s, %s plugged and still moving: %s"
                            % (wait, gib(plugged), why))


def unplug_bounded(g, wait):
    """qom-set requested-size 0 and poll the device's size until 0. Returns (seconds, split or None,
    None) or (None, None, why) after `wait` seconds."""
    start = len(g.vm.text)
    g.vm.qmp.qom_set(DEV, "requested-size", 0)
    try:
        took = g.vm.qmp.wait_qom(DEV, "size", 0, wait, interval=0.001)
    except QMPTimeout as e:
        return None, None, str(e)
    g.size = 0
    try:
        return took, g.split(start), None
    except CaseFailure:
        return took, None, None


def row(name, value, tgt, ok, note):
    print("%-30s %12s %16s %6s   %s" % (name, value, tgt, ok, note))


def bench(runs, wait, stall, verbose):
    """Measure and print the 1 TiB table. A failure (a bounded wait of the 1 GiB rows that ran out,
    QEMU exiting) leaves the rows not yet measured `not reached` with its reason."""
    r = {"plug1": [], "unplug1": [], "rss1": None, "plug": None, "unplug": None}
    broken = None
    g = None
    try:
        g = Guest("2M", verbose, mem="512M,maxmem=1100G", region="1T", cpu="qemu64,phys-bits=44",
                  backend_opts=",reserve=off")
        for _ in range(runs):
            before = g.rss()
            took, r["split_p1"] = g.resize(1 * G)
            if r["rss1"] is None:       # later runs reuse the memmap pages the first one wrote
                r["rss1"] = g.rss() - before
            r["plug1"].append(took)
            took, r["split_u1"] = g.resize(0)
            r["unplug1"].append(took)
        rss0 = g.rss()
        r["plug"] = plug_bounded(g, 1 << 40, wait, stall)
        r["plugged"] = g.vm.qmp.qom_get(DEV, "size")
        r["rss"] = g.rss() - rss0
        r["unplug"] = unplug_bounded(g, wait)
    except FAILURES as e:
        broken = str(e)
    finally:
        if g:
            g.stop()

    print()
    print("virtio-mem 1 TiB (QEMU %s, tcg, q35, -cpu qemu64,phys-bits=44, -m 512M,maxmem=1100G, 1T "
          "memory-backend-ram reserve=off, block 2M): 1 GiB rows median of %d, 1 TiB rows one run"
          % (qemu_version(), runs))
    row("row", "hotmem", "target", "", "where the guest's time went (last run)")
    p1 = u1 = None
    if len(r["plug1"]) == runs:
        p1 = statistics.median(r["plug1"])
        row("plug 0->1G", "%.3f s" % p1, "", "", fmt_split(r["split_p1"]))
    else:
        row("plug 0->1G", "not reached", "", "", broken)
    if len(r["unplug1"]) == runs:
        u1 = statistics.median(r["unplug1"])
        row("unplug 1G->0", "%.3f s" % u1, "", "", fmt_split(r["split_u1"]))
    else:
        row("unplug 1G->0", "not reached", "", "", broken)
    tp = "%.3f s" % (RATIO * p1) if p1 else "%dx plug 0->1G" % RATIO
    tu = "%.3f s" % (RATIO * u1) if u1 else "%dx unplug 1G->0" % RATIO
    tr = "%d MiB" % (RSS_TARGET // M)
    if r["plug"] is None:
        why = broken if p1 and u1 else "not measured: " + broken
        row("plug 0->1T", "not reached", tp, "MISS", why)
        row("unplug 1T->0", "not reached", tu, "MISS", "not measured: " + broken)
        row("QEMU RSS growth, plug 0->1T", "not reached", tr, "MISS", why)
        return
    t_plug, split_p, why_plug = r["plug"]
    plugged = r["plugged"]
    if why_plug is None:
        row("plug 0->1T", "%.3f s" % t_plug, tp, "ok" if t_plug <= RATIO * p1 else "MISS",
            "%.1fx plug 0->1G; %s" % (t_plug / p1, fmt_split(split_p)))
    else:
        row("plug 0->1T", "not reached", tp, "MISS", why_plug)
    if r["unplug"] is None:
        row("unplug 1T->0", "not reached", tu, "MISS", broken)
    else:
        t_unplug, split_u, why_unplug = r["unplug"]
        guest_split = fmt_split(split_u) if split_u else "no resize time line"
        if t_unplug is None:
            row("unplug 1T->0", "not reached", tu, "MISS", why_unplug)
        elif why_plug is None:
            row("unplug 1T->0", "%.3f s" % t_unplug, tu, "ok" if t_unplug <= RATIO * u1 else "MISS",
                "%.1fx unplug 1G->0; %s" % (t_unplug / u1, guest_split))
        else:
            row("unplug 1T->0", "not reached", tu, "MISS",
                "the plug stopped at %s; %s->0 took %.3f s (the guest's resize since the 1T request: %s)"
                % (gib(plugged), gib(plugged), t_unplug, guest_split))
    row("QEMU RSS growth, plug 0->1G", "%.1f MiB" % (r["rss1"] / M), "", "", "first run")
    note = "at %s plugged (%.1f MiB per GiB)" % (gib(plugged), r["rss"] / M / max(plugged / G, 1 / 1024))
    if why_plug is None:
        row("QEMU RSS growth, plug 0->1T", "%.1f MiB" % (r["rss"] / M), tr,
            "ok" if r["rss"] <= RSS_TARGET else "MISS", note)
    else:
        row("QEMU RSS growth, plug 0->1T", "not reached", tr, "MISS", "%.1f MiB %s" % (r["rss"] / M, note))
