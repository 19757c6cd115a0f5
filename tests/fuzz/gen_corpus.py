#!/usr/bin/env python3
"""Writes the committed seed corpora of the libFuzzer harnesses: tests/fuzz/corpus/<harness>/<seed>.

    tests/fuzz/gen_corpus.py            rewrite every corpus (deletes files it does not write)
    tests/fuzz/gen_corpus.py --check    exit 1 if the committed corpora differ from what it writes

Each seed is a small input in the format its harness decodes (the comment at the top of
tests/fuzz/fuzz_<name>.c and its decode functions): a story that reaches one corner of the code, from
which the fuzzer mutates. Keep the builders below in step with the decoders when a format changes.
Python 3 standard library only.
"""

import os
import struct
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(ROOT, "corpus")


def u8(v):
    return bytes([v & 0xFF])


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


# ---- fuzz_virtio_mem (tests/fuzz/fuzz_virtio_mem.c) ----

ONLINE = {"movable": 0, "kernel": 1, "offline": 2, "online": 3}
BS = {"4K": 0, "1M": 8, "2M": 9, "4M": 10, "128M": 15, "256M": 16, "1G": 18, "2G": 19}
OP = dict(request=0, run=1, answer=2, busy=3, late=4, raw_used=5, config=6, workload=7, pin=8,
          user_block=9, online_type=10, interrupt=11, offline_fails=12, veto=13)
KIND = dict(honest=0, ack=1, ack_lie=2, nack=3, busy=4, error=5, type=6)
DELIVERY = dict(now=0, wait=1, never=2, late=3, twice=4)
RUN_MS = {0: 0, 1: 1, 10: 2, 50: 3, 200: 4, 1000: 5, 5000: 6, 30000: 7}
FIELD = dict(block_size=0, node_id=1, addr=2, region_size=3, usable=4, plugged=5, requested=6)


class VirtioMem:
    """One input: the probe, then events. Sizes are sixteenths of the region (0..16); regions are
    1..32 memory blocks of 128 MiB; addresses are 4..35 GiB, or 30..61 GiB."""

    def __init__(self, honest=True, online="movable", bs="2M", addr_gib=4, region_mb=8,
                 requested=0, reboot_eighths=None, unaligned_addr=False, unaligned_region=False,
                 transport=None, overrides=None, raw=None):
        flags = (1 if honest else 0) | ONLINE[online] << 1 | (0x80 if transport else 0)
        b = u8(flags)
        if transport:
            offered, cfg_len, queue, must, refuse = transport
            b += u64(offered)
            b += u8(0x80 | cfg_len if cfg_len is not None else 0)
            b += u8(0x80) + u16(queue) if queue >= 512 or queue & (queue - 1) else \
                u8(0) + u8(queue.bit_length() - 1)
            b += u8((1 if must else 0) | (2 if refuse else 0))
        raw = raw or {}
        b += (u8(0xF8) + u64(raw["block_size"])) if "block_size" in raw else u8(BS[bs])
        high = addr_gib - 4 >= 32
        b += (u8(0xF8) + u64(raw["addr"])) if "addr" in raw else \
            u8((addr_gib - 4 - (26 if high else 0)) | (0x20 if unaligned_addr else 0) |
               (0x40 if high else 0))
        b += (u8(0xF8) + u64(raw["region_size"])) if "region_size" in raw else \
            u8((region_mb - 1) | (0x20 if unaligned_region else 0))
        b += (u8(0xF8) + u64(raw["requested"])) if "requested" in raw else u8(requested)
        b += u8(0x80 | reboot_eighths) if reboot_eighths is not None else u8(0)
        if not honest:
            overrides = overrides or {}
            mask = sum(1 << FIELD[f] for f in overrides)
            b += u8(mask)
            for f in sorted(overrides, key=lambda f: FIELD[f]):
                b += u64(overrides[f])
        self.data = b

    def op(self, name, *args):
        self.data += u8(OP[name]) + b"".join(args)
        return self

    def request(self, sixteenths, plus64m=False, blocks=None):
        b = u8(sixteenths | (0x20 if plus64m else 0) | (0x40 if blocks is not None else 0))
        return self.op("request", b, u8(blocks) if blocks is not None else b"")

    def request_raw(self, value):
        return self.op("request", u8(0xF8), u64(value))

    def run(self, ms):
        return self.op("run", u8(RUN_MS[ms]))

    def answer(self, kind, delivery="now", type_=None, state=None, written=None, rel_id=None,
               abs_id=None, length=None, idx_extra=None):
        k = KIND[kind] | (0x40 if state is not None else 0) | \
            (0x80 if type_ is not None and type_ >= 0x100 else 0)
        dl = DELIVERY[delivery] | (0x10 if written is not None else 0) | \
            (0x20 if rel_id is not None or abs_id is not None else 0) | \
            (0x40 if length is not None else 0) | (0x80 if idx_extra is not None else 0)
        args = [u8(k), u8(dl)]
        if kind == "type":
            args.append(u8(((type_ or 4) & 0xFF) - 4))
            if type_ >= 0x100:
                args.append(u8(type_ >> 8))
        if state is not None:
            args.append(u16(state))
        if written is not None:
            args.append(u8(written))
        if rel_id is not None:
            args += [u8(0), u8(rel_id)]
        elif abs_id is not None:
            args += [u8(1), u32(abs_id)]
        if length is not None:
            args += [u8(0x80), u32(length)] if length >= 32 else [u8(0), u8(length)]
        if idx_extra is not None:
            args += [u8(0x80), u16(idx_extra)] if idx_extra >= 4 else [u8(0), u8(idx_extra)]
        return self.op("answer", *args)

    def busy(self, n):
        return self.op("busy", u8(n))

    def late(self):
        return self.op("late")

    def raw_used(self, id_, length, adv):
        args = [u8(0x80), u32(id_)] if id_ >= 0x80 else [u8(0), u8(id_)]
        args += [u8(0x80), u32(length)] if length >= 32 else [u8(0), u8(length)]
        args += [u8(0x80), u16(adv)] if adv > 3 else [u8(0), u8(adv - 1)]
        return self.op("raw_used", *args)

    def config(self, field, delta_blocks=None, value=None, notify=True):
        f = FIELD[field] if field in FIELD else {"skew": 7, "generation": 8, "clear": 9}[field]
        args = [u8(f | (0x80 if notify else 0))]
        if f < 7:
            args += [u8(0x80), u64(value)] if value is not None else [u8(0), u8(delta_blocks or 0)]
        elif f in (7, 8):
            args.append(u8(delta_blocks or 0))
        return self.op("config", *args)

    def workload(self, units=None, free=False):  # units of 256 KiB, up to 63
        return self.op("workload", u8(0x80 if free else units))

    def pin(self, mib4=None, free=False):  # units of 4 MiB, up to 63
        return self.op("pin", u8(0x80 if free else mib4))

    def pin_all(self):
        return self.op("pin", u8(0x40))

    def offline_fails(self, step):  # 0: range, 1: isolate, 2: notify, 3: migrate, 4: test
        return self.op("offline_fails", u8(step))

    def veto(self, offline):  # the next MEM_GOING_ONLINE (or MEM_GOING_OFFLINE) is vetoed
        return self.op("veto", u8(1 if offline else 0))

    def user_block(self, index, offline, zone=0):
        return self.op("user_block", u8(0x80 | index if offline else (zone << 5) | index))

    def online_type(self, name):
        return self.op("online_type", u8(ONLINE[name]))

    def interrupt(self, queue=True):
        return self.op("interrupt", u8(1 if queue else 0))


def virtio_mem_seeds():
    V = VirtioMem
    s = {}
    # honest devices: each of these must end with the requested size reached
    s["honest-plug-half"] = V(region_mb=8).request(8).run(0)
    s["honest-resize-story"] = (V(region_mb=32).request(4).run(0).request(1, plus64m=True)
                                .request(8).request(0).request(2).request(15).request(0))
    s["honest-bbm-128M"] = V(bs="128M", region_mb=8).request(12).request(4).request(0)
    s["honest-bbm-1G"] = V(bs="1G", region_mb=32).request(8).workload(60).request(4).request(0)
    s["honest-bbm-2G"] = V(bs="2G", addr_gib=6, region_mb=32).request(16).request(8)
    s["honest-4K-blocks"] = V(bs="4K", region_mb=4).request(5, plus64m=True).request(1)
    s["honest-1M-blocks"] = V(bs="1M", region_mb=4).request(7).request(3, plus64m=True)
    s["honest-4M-blocks"] = V(bs="4M", region_mb=8).request(9).request(2)
    s["honest-unaligned-region"] = V(unaligned_addr=True, unaligned_region=True, region_mb=4) \
        .request(16).request(3)
    s["honest-busy-storm"] = V(region_mb=8).busy(12).request(8).run(1000).run(30000)
    s["honest-answers-while-waiting"] = (V(region_mb=8).answer("honest", "wait")
                                         .answer("honest", "wait").request(8).request(2))
    s["honest-reboot-plugged"] = V(region_mb=8, requested=4, reboot_eighths=5).run(0).run(1000)
    s["honest-reboot-busy-unplug-all"] = V(region_mb=8, reboot_eighths=2).busy(3).run(200).run(5000)
    s["honest-workload-shrink"] = (V(region_mb=16).request(16).workload(60).request(2)
                                   .workload(free=True).run(5000))
    s["honest-pinned-kernel"] = (V(online="kernel", region_mb=8).request(16).pin(50).request(0)
                                 .run(1000).pin(free=True).run(30000))
    s["honest-user-offline"] = (V(region_mb=8).request(5).user_block(0, True).request(7)
                                .user_block(0, False).request(1))
    s["honest-online-offline-policy"] = V(online="offline", region_mb=8).request(8).request(3)
    s["honest-online-policy-switch"] = (V(online="online", region_mb=8).request(6)
                                        .online_type("kernel").request(12).online_type("movable")
                                        .request(2))
    s["honest-start-requested"] = V(region_mb=8, requested=10).run(0)
    s["honest-one-block-steps"] = (V(region_mb=8).request(4, blocks=3).request(4, blocks=2)
                                   .request(4, blocks=1).request(4).workload(40).request(3, blocks=63)
                                   .request(4, blocks=1))
    s["honest-one-block-steps-4K"] = V(bs="4K", region_mb=2).request(2, blocks=200) \
        .request(2, blocks=100).request(2, blocks=99)
    s["honest-no-memory-for-memmap"] = V(region_mb=16).pin_all().request(12).run(1000) \
        .pin(free=True).run(5000)
    s["honest-offline-fails"] = (V(region_mb=8).request(16).offline_fails(3).request(0).run(1000)
                                 .request(8).offline_fails(2).user_block(3, True).request(2))
    s["honest-notifier-vetoes"] = (V(region_mb=8).veto(False).request(8).run(1000).request(16)
                                   .veto(True).request(2).run(1000).veto(True).request(0).run(200))
    s["honest-bbm-vetoes"] = V(bs="256M", region_mb=8).veto(False).request(16).run(50).veto(True) \
        .request(0).run(1000)
    s["honest-past-the-fake-memory"] = V(addr_gib=61, region_mb=32).request(16).request(4)
    # hostile devices
    H = lambda **kw: V(honest=False, **kw)  # noqa: E731
    s["hostile-error-to-plug"] = H(region_mb=8).request(4).answer("error").request(8).request(0)
    s["hostile-nack-for-nothing"] = H(region_mb=8).answer("nack").request(8).run(1000)
    s["hostile-silence"] = H(region_mb=8).request(2).answer("honest", "never").request(6).run(1000)
    s["hostile-late-answer"] = (H(region_mb=8).answer("honest", "late").request(6).late()
                                .request(0).run(1000))
    s["hostile-bad-used-id"] = H(region_mb=8).answer("honest", rel_id=1).request(4)
    s["hostile-random-used-id"] = H(region_mb=8).answer("honest", abs_id=0xDEADBEEF).request(4)
    s["hostile-used-len-too-long"] = H(region_mb=8).answer("honest", length=11).request(4)
    s["hostile-short-answer"] = H(region_mb=8).answer("honest", written=2).request(4)
    s["hostile-used-idx-jump"] = H(region_mb=8).answer("honest", idx_extra=5).request(4)
    s["hostile-answer-twice"] = H(region_mb=8).answer("honest", "twice").request(4).request(8)
    s["hostile-unknown-type"] = H(region_mb=8).answer("type", type_=7, state=9).request(4)
    s["hostile-ack-without-doing"] = H(region_mb=8).answer("ack_lie").request(4).request(8)
    s["hostile-ack-beyond-request"] = H(region_mb=8).answer("ack").request(0).run(0).request(4)
    s["hostile-plugged-size-lie"] = H(region_mb=8).request(4).config("skew", 1).request(6)
    s["hostile-usable-shrinks"] = H(region_mb=8).request(8).config("usable", delta_blocks=-64) \
        .request(12)
    s["hostile-fixed-field-changes"] = H(region_mb=8).request(4) \
        .config("block_size", value=4 << 20).request(6)
    s["hostile-config-never-settles"] = H(region_mb=8).request(4).config("generation", 200) \
        .request(6)
    s["hostile-unplug-error-busy"] = (H(region_mb=8).request(10).answer("busy").answer("error")
                                      .request(2).run(1000))
    s["hostile-stray-used-entries"] = (H(region_mb=8).raw_used(0, 10, 1).request(4)
                                       .raw_used(0x1000, 0xFFFFFFFF, 0x8000).request(2))
    s["hostile-reboot-unplug-all-error"] = H(region_mb=8, reboot_eighths=3).answer("error").run(0)
    s["hostile-raw-config"] = H(raw={"block_size": 3 << 20, "addr": 1 << 46,
                                     "region_size": 1 << 40, "requested": 5}).request(3)
    s["hostile-config-lies-at-probe"] = H(region_mb=8, overrides={"plugged": 6 << 20,
                                                                  "usable": 1 << 60}).run(0)
    s["hostile-short-config"] = H(region_mb=8, transport=((1 << 32) | 1, 40, 128, False, False)) \
        .request(4)
    s["hostile-bad-queue-size"] = H(region_mb=8, transport=((1 << 32) | 1, None, 3, False, False)) \
        .request(4)
    s["hostile-must-accept"] = H(region_mb=8, transport=((1 << 32) | 3, None, 128, True, False)) \
        .request(4)
    s["hostile-no-version-1"] = H(region_mb=8, transport=(0x3, None, 128, False, False))
    s["hostile-refuses-features"] = H(region_mb=8, transport=(1 << 32, None, 128, False, True))
    s["hostile-queue-of-one"] = H(region_mb=8, transport=((1 << 32) | 1, None, 1, False, False)) \
        .request(8).request(1)
    return {k: v.data for k, v in s.items()}


# ---- fuzz_virtqueue (tests/fuzz/fuzz_virtqueue.c) ----

class Vq:
    def __init__(self, size):
        self.data = u8(size.bit_length() - 1) if size and size & (size - 1) == 0 and size <= 512 \
            else u8(0x80) + u16(size)

    def add(self, lens, n_out, null_token=False):
        self.data += u8(0) + u8(len(lens) | (0x80 if null_token else 0)) + u8(n_out)
        for n in lens:
            self.data += u8(0xFF) + u32(n) if n >= 0xFF else u8(n)
        return self

    def kick(self):
        self.data += u8(2)
        return self

    def get(self, with_len=True):
        self.data += u8(0x13 if with_len else 3)
        return self

    def complete(self, which, length):
        self.data += u8(5) + u8(which) + u8(length)
        return self

    def raw_used(self, id_, length, adv):
        m = (1 if id_ > 0xFF else 0) | (2 if length >= 80 else 0) | (4 if adv > 3 else 0)
        self.data += u8(6) + u8(m)
        self.data += u32(id_) if m & 1 else u8(id_)
        self.data += u32(length) if m & 2 else u8(length)
        self.data += u16(adv) if m & 4 else u8(adv - 1)
        return self

    def scribble(self, off, value):
        self.data += u8(7) + u16(off) + u8(value)
        return self

    def poll(self, which):
        self.data += u8(8) + u8(which)
        return self

    def notify(self, ok=True, no_notify=None):
        op = 9 | (0 if ok else 0x10)
        if no_notify is not None:
            op |= 0x20 | (0x40 if no_notify else 0)
        self.data += u8(op)
        return self

    def detach(self):
        self.data += u8(10)
        return self

    def reinit(self, size):
        self.data += u8(11 | 0x80) + u8(size.bit_length() - 1)
        return self


def virtqueue_seeds():
    s = {}
    s["request-response"] = Vq(8).add([24, 10], 1).kick().complete(0, 10).poll(1).get()
    s["full-ring"] = Vq(4).add([8], 0).add([8], 0).add([8], 0).add([8], 0).add([8], 0).kick() \
        .complete(2, 8).get().add([4, 4], 1).complete(0, 0).get().get()
    v = Vq(2)
    for i in range(40):
        v.add([16], 0).add([8, 8], 1).complete(1, 3).complete(0, 16).get().get()
    s["wraparound-small-ring"] = v
    s["out-of-order"] = Vq(16).add([8], 0).add([8, 8, 8], 1).add([32], 0).complete(2, 32) \
        .complete(0, 1).complete(0, 16).get().get().get(False)
    s["bad-arguments"] = Vq(8).add([], 0).add([8, 0], 1).add([8], 0, null_token=True) \
        .add([0xFFFFFFFF, 0xFFFFFFFF], 0).add([1] * 8, 4).add([1] * 8, 2)
    s["used-id-out-of-range"] = Vq(8).add([8, 8], 1).raw_used(8, 0, 1).get()
    s["used-id-huge"] = Vq(8).add([8, 8], 1).raw_used(0xFFFFFFFF, 0, 1).get()
    s["used-id-not-a-head"] = Vq(8).add([8, 8], 1).add([8, 8], 1).raw_used(1, 0, 1).get()
    s["used-twice"] = Vq(8).add([8], 0).add([8], 0).complete(0, 0).get().raw_used(0, 0, 1).get()
    s["used-len-too-long"] = Vq(8).add([8, 8], 1).raw_used(0, 9, 1).get()
    s["used-idx-jump"] = Vq(8).add([8], 0).add([8], 0).raw_used(0, 0, 9).get()
    s["used-idx-backwards"] = Vq(8).add([8], 0).raw_used(0, 0, 0xFFFF).get()
    s["broken-then-everything"] = Vq(8).add([8, 8], 1).raw_used(7, 0, 1).get().add([8], 0).kick() \
        .poll(0).poll(1).poll(3).get().detach()
    s["notify-fails"] = Vq(4).add([8], 0).notify(ok=False).kick().add([8], 0)
    s["no-notify"] = Vq(4).notify(no_notify=True).add([8], 0).kick().notify(no_notify=False).kick()
    s["callbacks"] = Vq(4).add([8], 0).poll(2).complete(0, 0).poll(3).poll(1).get()
    s["detach-and-reinit"] = Vq(8).add([8], 0).add([8, 8], 1).complete(1, 4).detach().add([8], 0) \
        .reinit(64).add([8] * 8, 3).complete(0, 0).get()
    s["scribble-descriptors"] = Vq(4).add([8, 8], 1).scribble(0, 0xFF).scribble(14, 0x7) \
        .complete(0, 8).get()
    s["scribble-used"] = Vq(4).add([8], 0).scribble(0x46, 0x5).scribble(0x48, 0x3).get()
    s["max-ring"] = Vq(256).add([64] * 8, 1).complete(0, 64).get()
    s["ring-of-one"] = Vq(1).add([8], 0).add([8], 0).complete(0, 0).get().add([8], 0)
    s["bad-ring-size"] = Vq(3)
    s["too-big-ring"] = Vq(512)
    return {k: v.data for k, v in s.items()}


# ---- fuzz_pci_caps (tests/fuzz/fuzz_pci_caps.c) ----

def pci_input(cfg, bars=(0, 0, 0, 0, 14, 0), set_cap_bit=True, qoff=(3, 0), stop=0):
    """bars: per BAR the log2 of its size (0: none), or ('raw', value)."""
    b = u8((1 if set_cap_bit else 0) | stop << 1)
    for x in bars:
        b += (u8(0xFF) + u64(x[1])) if isinstance(x, tuple) else u8(x)
    b += u8(qoff[0]) + u8(qoff[1])
    return b + bytes(cfg)


class Cfg:
    def __init__(self, size=256):
        self.b = bytearray(size)
        self.b[0:4] = b"\xf4\x1a\x58\x10"
        self.b[6] = 0x10
        self.link = 0x34

    def cap(self, pos, cap_id, length=None):
        self.b[self.link] = pos
        self.b[pos] = cap_id
        self.b[pos + 1] = 0
        if length is not None:
            self.b[pos + 2] = length
        self.link = pos + 1
        return self

    def vcap(self, pos, cfg_type, bar, off, length, mult=None):
        self.cap(pos, 0x09, 20 if cfg_type == 2 else 16)
        self.b[pos + 3] = cfg_type
        self.b[pos + 4] = bar
        self.b[pos + 8:pos + 12] = u32(off)
        self.b[pos + 12:pos + 16] = u32(length)
        if mult is not None:
            self.b[pos + 16:pos + 20] = u32(mult)
        return self


def qemu_cfg():
    return (Cfg().vcap(0x40, 1, 4, 0, 0x1000).vcap(0x50, 3, 4, 0x1000, 0x1000)
            .vcap(0x60, 4, 4, 0x2000, 0x1000).vcap(0x70, 2, 4, 0x3000, 0x1000, 4)
            .cap(0x84, 0x09, 20))


def pci_caps_seeds():
    s = {}
    s["qemu-virtio-mem"] = pci_input(qemu_cfg().b)
    c = qemu_cfg()
    c.b[0x41] = 0x84
    c.b[0x85] = 0x40
    s["loop"] = pci_input(c.b)
    c = Cfg()
    for p in range(0x40, 0x100, 4):
        c.cap(p, 0x01, 4)
    s["48-entries"] = pci_input(c.b)
    c.b[c.link] = 0x40
    s["48-entries-loop"] = pci_input(c.b)
    c = qemu_cfg()
    c.b[0x34] = 0x3C
    s["points-into-header"] = pci_input(c.b)
    s["truncated-0x48"] = pci_input(qemu_cfg().b[:0x48])
    s["truncated-0x42"] = pci_input(qemu_cfg().b[:0x42])
    s["header-only"] = pci_input(qemu_cfg().b[:0x30])
    c = Cfg().vcap(0xF0, 1, 4, 0, 0x1000)
    c.b[0xF2] = 32
    s["runs-past-end"] = pci_input(c.b)
    c = qemu_cfg()
    c.b[0x40 + 12:0x40 + 16] = u32(0x4001)
    s["outside-bar"] = pci_input(c.b)
    c = qemu_cfg()
    c.b[0x50 + 8:0x50 + 16] = u32(0xFFFFF000) + u32(0x2000)
    s["offset-wraps"] = pci_input(c.b)
    s["no-bar"] = pci_input(qemu_cfg().b, bars=(0, 0, 0, 0, 0, 0))
    s["huge-bar"] = pci_input(qemu_cfg().vcap(0x90, 4, 5, 0xFFFFF000, 0x1000).b,
                              bars=(0, 0, 0, 0, 14, ("raw", 1 << 40)))
    c = qemu_cfg().vcap(0x90, 1, 4, 0x800, 0x100)
    c.b[0x40 + 12:0x40 + 16] = u32(0)
    s["zero-length-then-next"] = pci_input(c.b)
    c = qemu_cfg()
    c.b[0x72] = 16
    s["notify-too-short"] = pci_input(c.b)
    c = qemu_cfg()
    c.b[0x40 + 12:0x40 + 16] = u32(0x20)
    s["common-too-small"] = pci_input(c.b)
    s["notify-multiplier-big"] = pci_input(
        Cfg().vcap(0x40, 1, 0, 0, 0x1000).vcap(0x50, 3, 0, 0x1000, 4)
        .vcap(0x60, 2, 0, 0x2000, 0x1000, 0xFFFFFFFF).b, bars=(13, 0, 0, 0, 0, 0), qoff=(255, 255))
    s["no-cap-list-bit"] = pci_input(qemu_cfg().b, set_cap_bit=False, stop=3)
    c = qemu_cfg()
    c.b[6] = 0
    s["status-clear"] = pci_input(c.b, set_cap_bit=False)
    c = qemu_cfg().vcap(0x90, 8, 4, 0, 0x1000).vcap(0xA0, 0x77, 9, 0, 0x1000).cap(0xB0, 0x11, 12)
    s["unknown-types"] = pci_input(c.b, stop=5)
    s["pointer-low-bits"] = pci_input(bytes(qemu_cfg().b[:0x34]) + b"\x43" +
                                      bytes(qemu_cfg().b[0x35:]))
    s["empty"] = b""
    return s


HARNESSES = {
    "fuzz_virtio_mem": virtio_mem_seeds,
    "fuzz_virtqueue": virtqueue_seeds,
    "fuzz_pci_caps": pci_caps_seeds,
}


def main():
    check = "--check" in sys.argv[1:]
    differ = []
    for name, make in HARNESSES.items():
        seeds = make()
        d = os.path.join(CORPUS, name)
        old = set(os.listdir(d)) if os.path.isdir(d) else set()
        if check:
            for f in sorted(old ^ set(seeds)):
                differ.append(os.path.join(name, f))
            for f, data in seeds.items():
                p = os.path.join(d, f)
                if os.path.exists(p) and open(p, "rb").read() != data:
                    differ.append(os.path.join(name, f))
            continue
        os.makedirs(d, exist_ok=True)
        for f in old - set(seeds):
            os.remove(os.path.join(d, f))
        for f, data in sorted(seeds.items()):
            with open(os.path.join(d, f), "wb") as out:
                out.write(data)
        print("%s: %d seeds in %s" % (name, len(seeds), os.path.relpath(d, os.path.dirname(os.path.dirname(ROOT)))))
    if check and differ:
        print("gen_corpus: the committed corpora differ from what tests/fuzz/gen_corpus.py writes: %s"
              % " ".join(differ))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
