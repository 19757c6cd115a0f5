#!/usr/bin/env python3
"""virtio-mem resize timings of hotmem under QEMU, measured from the host (make bench runs this).

Row groups (--rows, comma-separated; default all of them):

    small      plug 0->1G, 0->4G; unplug 4G->2G, 2G->0, 4G->0 with 512 MiB of data
    16g        plug 0->16G, unplug 16G->0
    1g-blocks  unplug 4G->2G and 16G->0 with 1 GiB blocks
    boot       QEMU start to the shell prompt
    1t         plug 0->1T and 1T->0 in a 512 MiB guest, beside 0->1G and 1G->0 in the same guest, and
               QEMU's RSS growth during the 1 TiB plug (bench/resize_1t.py)

The first four share the setup of the Linux comparison: q35, TCG, -m 1G,maxmem=17G, a 16 GiB
memory-backend-ram behind virtio-mem-pci (block-size 2M, and 1G for the rows that say so).

    plug    qom-set requested-size  ->  the guest's `resize done` line arrives (memory usable)
    unplug  qom-set requested-size  ->  qom-get size equals the target (polled every 1 ms)

Each row is the median of --runs runs (default 3). Beside it: the guest's own split of the last run
(TSC: device requests, add_memory = memmap and metadata, onlining, unplug = isolation, migration,
offline and remove), the Linux 6.1 figure and hotmem's target: half of Linux's time on empty memory,
faster than Linux with data, and for the 16 GiB rows the size-independent targets (plug until usable
<= 3 ms, unplug <= 5 ms). Memmap bytes per page of added memory come from meminfo's Memmap before and
after a plug. --quick leaves out 16g, 1g-blocks and 1t.

    bench/resize.py [--rows GROUP,...] [--runs N] [--quick] [-v]
"""
import argparse
import os
import statistics
import sys

from guest import FAILURES, G, Guest, fmt_split, qemu_version
import resize_1t

GROUPS = ("small", "16g", "1g-blocks", "boot", "1t")
QUICK_SKIPS = ("16g", "1g-blocks", "1t")

# Linux 6.1 guest, same setup, seconds.
LINUX = {"boot": 4.1, "plug 0->1G": 0.027, "plug 0->4G": 0.168, "plug 0->16G": 0.554,
         "unplug 4G->2G": 0.824, "unplug 2G->0": 0.656, "unplug 16G->0": 4.77,
         "unplug 4G->2G (1G blocks)": 2.50, "unplug 16G->0 (1G blocks)": 6.15,
         "unplug 4G->0, 512M data": 2.14}
ORDER = ["boot", "plug 0->1G", "plug 0->4G", "plug 0->16G", "unplug 4G->2G", "unplug 2G->0", "unplug 16G->0",
         "unplug 4G->2G (1G blocks)", "unplug 16G->0 (1G blocks)", "unplug 4G->0, 512M data"]
ROW_GROUP = {row: "boot" if row == "boot" else "1g-blocks" if "1G blocks" in row else
             "16g" if "16G" in row else "small" for row in ORDER}
# Targets that do not grow with the size, seconds.
FIXED = {"plug 0->16G": 0.003, "unplug 16G->0": 0.005}


def target(row):
    if row == "boot":
        return 0.25
    if row in FIXED:
        return FIXED[row]
    if "data" in row:
        return LINUX[row]          # faster than Linux with data in use
    return LINUX[row] / 2          # at least 2x faster on empty memory


class Rows:
    """The rows measured so far, and why the others were not: a bounded wait that ran out or QEMU
    exiting ends the rows of that guest (the row it happened in says so, the rest name that row)."""

    def __init__(self):
        self.results = {}      # row -> (median seconds, last split)
        self.missing = {}      # row -> why it has no figure
        self.current = None

    def measure(self, row, g, prepare, size, runs):
        """results[row] = (median seconds over `runs` resizes to `size`, the last run's split)."""
        self.current = row
        times, split = [], None
        for _ in range(runs):
            prepare(g)
            took, split = g.resize(size)
            times.append(took)
        self.results[row] = (statistics.median(times), split)
        self.current = None

    def guest(self, rows, body, *guest_args):
        """Boot a Guest(*guest_args) and run body(guest); on a failure the rows in `rows` without a
        figure get the reason."""
        g, self.current = None, None
        try:
            g = Guest(*guest_args)
            body(g)
        except FAILURES as e:
            failed = self.current or "boot"
            for row in rows:
                if row not in self.results:
                    self.missing[row] = str(e) if row == failed or failed == "boot" else \
                        "not measured: the guest failed in row '%s'" % failed
        finally:
            if g:
                g.stop()
        return g


def bench_1g_setup(groups, runs, verbose):
    """The rows of the Linux comparison's setup; prints their table."""
    t = Rows()
    memmap = []
    boots = []
    wanted = [row for row in ORDER if ROW_GROUP[row] in groups]

    def rows_2m(g):
        boots.append(g.boot)
        if "small" in groups:
            before = g.meminfo("Memmap")
            t.measure("plug 0->1G", g, lambda g: g.resize(0), 1 * G, runs)
            after = g.meminfo("Memmap")
            if before is not None and after is not None:
                memmap.append((after - before) / (1 * G / 4096))
            t.measure("plug 0->4G", g, lambda g: g.resize(0), 4 * G, runs)
        if "16g" in groups:
            t.measure("plug 0->16G", g, lambda g: g.resize(0), 16 * G, runs)
        if "small" in groups:
            t.measure("unplug 4G->2G", g, lambda g: g.resize(4 * G), 2 * G, runs)
            t.measure("unplug 2G->0", g, lambda g: g.resize(2 * G), 0, runs)
        if "16g" in groups:
            t.measure("unplug 16G->0", g, lambda g: g.resize(16 * G), 0, runs)
        if "small" in groups:
            def with_data(g):
                g.resize(0)
                g.resize(4 * G)
                g.run("workload free")
                g.run("workload alloc 512M")
            t.measure("unplug 4G->0, 512M data", g, with_data, 0, runs)
            g.run("workload free")

    def rows_1g_blocks(g):
        t.measure("unplug 4G->2G (1G blocks)", g, lambda g: g.resize(4 * G), 2 * G, runs)
        t.measure("unplug 16G->0 (1G blocks)", g, lambda g: g.resize(16 * G), 0, runs)

    if "small" in groups or "16g" in groups:
        t.guest([r for r in wanted if ROW_GROUP[r] in ("small", "16g")], rows_2m, "2M", verbose)
    if "boot" in groups:
        while len(boots) < runs and "boot" not in t.missing:
            t.guest(["boot"], lambda g: boots.append(g.boot), "2M", False)
        if boots and "boot" not in t.missing:
            t.results["boot"] = (statistics.median(boots), None)
    if "1g-blocks" in groups:
        t.guest([r for r in wanted if ROW_GROUP[r] == "1g-blocks"], rows_1g_blocks, "1G", verbose)
    if not wanted:
        return

    print("virtio-mem resize (QEMU %s, %s, q35, -m 1G,maxmem=17G, 16G memory-backend-ram), median of %d"
          % (qemu_version(), os.environ.get("ACCEL", "tcg"), runs))
    print("%-28s %10s %10s %10s %6s   %s" % ("row", "hotmem s", "Linux s", "target s", "",
                                             "where the guest's time went (last run)"))
    for row in wanted:
        if row not in t.results:
            why = t.missing.get(row, "not measured")
            print("%-28s %10s %10.3f %10.3f %6s   %s" % (row, "not reached", LINUX[row], target(row), "MISS", why))
            continue
        sec, split = t.results[row]
        ok = "ok" if sec <= target(row) else "MISS"
        print("%-28s %10.3f %10.3f %10.3f %6s   %s" % (row, sec, LINUX[row], target(row), ok,
                                                     fmt_split(split) if split else "QEMU start to the prompt"))
    if memmap:
        print("memmap: %.1f bytes per 4 KiB page of added memory (%.2f %% of it; target <= 0.8 %%)"
              % (memmap[0], memmap[0] / 40.96))
    print("device floor: one PLUG/UNPLUG costs QEMU ~4 us; a resize seen over QMP bottoms out near 1 ms")


def parse_groups(text, quick):
    groups = [w.strip() for w in text.split(",") if w.strip()] if text else list(GROUPS)
    bad = [w for w in groups if w not in GROUPS]
    if bad:
        sys.exit("bench/resize.py: --rows: unknown group %s (groups: %s)" % (", ".join(bad), ", ".join(GROUPS)))
    if quick:
        groups = [w for w in groups if w not in QUICK_SKIPS]
    return groups


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="", help="comma-separated groups: %s (default: all)" % ",".join(GROUPS))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="leave out %s" % ", ".join(QUICK_SKIPS))
    ap.add_argument("--wait-1t", type=float, default=120,
                    help="longest wait in seconds for the 1 TiB plug and unplug (default 120)")
    ap.add_argument("--stall-1t", type=float, default=5,
                    help="the 1 TiB plug counts as stopped after this many seconds without progress (default 5)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    groups = parse_groups(a.rows, a.quick)
    if a.runs < 1:
        sys.exit("bench/resize.py: --runs: at least 1")

    bench_1g_setup(groups, a.runs, a.verbose)
    if "1t" in groups:

        resize_1t.bench(a.runs, a.wait_1t, a.stall_1t, a.verbose)


if __name__ == "__main__":
    main()
