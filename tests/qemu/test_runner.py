#!/usr/bin/env python3
"""Tests of the QEMU test runner itself, without QEMU: the helpers, the case table parser, the memory
map check, the scheduling gate, the QMP client, and whole cases run against fake_qemu.py (a stand-in
that speaks QMP and plays a tiny hotmem shell). run_tests.py runs this with the host tests.

Prints PASS:/FAIL: lines like every other test here, then SUMMARY; exit status 1 on any failure.
"""

import os
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases  # noqa: E402
import script  # noqa: E402
from vm import CaseFailure  # noqa: E402

GiB, MiB = 1 << 30, 1 << 20
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


# ---- helpers ----
@test
def sizes_and_values():
    expect(script.parse_size("64K") == 64 << 10, "64K")
    expect(script.parse_size("1G") == GiB, "1G")
    expect(script.parse_size("512MiB") == 512 * MiB, "512MiB")
    expect(script.parse_size("4096") == 4096, "bare bytes")
    expect(script.ram_bytes("512M,maxmem=4G") == 512 * MiB, "-m with maxmem")
    expect(script.ram_bytes("1024") == GiB, "-m bare number is MiB")
    expect(script.ram_bytes("size=2G,slots=2") == 2 * GiB, "-m size=")
    expect(script.qom_value("true") is True and script.qom_value("1G") == GiB, "qom values")
    expect(script.qom_value("on-demand") == "on-demand", "qom string")
    expect(script.decode_escapes(r"ab\x7fc\r") == "ab\x7fc\r", "escapes")


@test
def qemu_ram_layout():
    L = cases.qemu_ram_layout
    expect(L("q35", 512 * MiB) == (512 * MiB, 0), "q35 512M")
    expect(L("q35", 2 * GiB + 512 * MiB) == (2 * GiB + 512 * MiB, 0), "q35 2.5G stays low")
    expect(L("q35", 3 * GiB) == (2 * GiB, GiB), "q35 3G: 1G high")
    expect(L("q35", 6 * GiB) == (2 * GiB, 4 * GiB), "q35 6G")
    expect(L("pc", 3 * GiB) == (3 * GiB, 0), "pc 3G stays low")
    expect(L("pc", 6 * GiB) == (3 * GiB, 3 * GiB), "pc 6G")


MAP_512M = """memory map (3 regions):
  e820: [mem 0x0000000000000000-0x000000000009fbff] usable
  e820: [mem 0x0000000000100000-0x000000001ffdefff] usable
  e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved
"""


class FakeVM:
    def __init__(self, text):
        self.text = text

    def note(self, who, text):
        pass


class FakeRunner:
    def __init__(self, machine, memory, text):
        self.case = type("C", (), {"machine": machine, "memory": memory})()
        self.vm = FakeVM(text)


def check_fails(fn, *args, contains=""):
    try:
        fn(*args)
    except CaseFailure as e:
        expect(contains in str(e), "message %r lacks %r" % (str(e), contains))
        return
    raise AssertionError("%s%r did not fail" % (fn.__name__, args))


@test
def memory_map_check():
    cases.memory_map(FakeRunner("q35", "512M", "x\n" + MAP_512M + "later\n" + MAP_512M))
    check_fails(cases.memory_map, FakeRunner("q35", "1G", MAP_512M), contains="usable RAM is")
    hole = MAP_512M.replace("3 regions", "4 regions") + \
        "  e820: [mem 0x00000000c0000000-0x00000000c00fffff] usable\n"
    check_fails(cases.memory_map, FakeRunner("q35", "513M", hole), contains="PCI hole")
    check_fails(cases.memory_map, FakeRunner("q35", "512M", MAP_512M.replace("3 regions", "4 regions")),
                contains="line 4 of 4")
    check_fails(cases.memory_map, FakeRunner("q35", "512M", "nothing"), contains="no memory map header")
    high = ("memory map (3 regions):\n"
            "  e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
            "  e820: [mem 0x0000000000100000-0x000000007ffdefff] usable\n"
            "  e820: [mem 0x0000000100000000-0x000000013fffffff] usable\n")
    cases.memory_map(FakeRunner("q35", "3G", high))
    check_fails(cases.memory_map, FakeRunner("pc", "3G", high), contains="from 4 GiB up is 1G, expected 0")


# ---- the case table ----
def load(text):
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as f:
        f.write(text)
    try:
        return script.load_cases(f.name)
    finally:
        os.unlink(f.name)


def load_fails(text, contains):
    try:
        load(text)
    except ValueError as e:
        expect(contains in str(e), "message %r lacks %r" % (str(e), contains))
        return
    raise AssertionError("loading %r did not fail" % text)


@test
def case_table():
    c, = load("[a]\ngroups = x y\nscript =\n    prompt\n    # a comment\n    ktest within 110\n"
              "    expect ^foo bar$ within 2.5\n    send hi within 3\n")
    expect(c.groups == {"x", "y", "qemu", "pvh"}, "groups %r" % c.groups)
    expect(c.steps == [("prompt", "", None), ("ktest", "", 110.0), ("expect", "^foo bar$", 2.5),
                       ("send", "hi within 3", None)], "steps %r" % c.steps)
    expect(c.exclusive and c.exit == 33 and c.debug_exit and c.machine == "q35", "defaults")
    d, = load("[b]\nexclusive = no\ndebug_exit = no\nexit = 0\nscript = ktest\n")
    expect(not d.exclusive and not d.debug_exit and d.exit == 0, "explicit keys")
    argv = d.argv("/r")
    expect("isa-debug-exit,iobase=0xf4,iosize=0x04" not in argv and "-no-reboot" in argv, "argv %r" % argv)
    load_fails("[c]\nmemroy = 1G\n", "unknown key(s) memroy")
    load_fails("[c]\nscript = frobnicate\n", "unknown step 'frobnicate'")
    load_fails("[c]\nboot = floppy\n", "boot must be one of")
    load_fails("[c]\nboot = iso-bios\ncmdline = selftest\n", "cmdline works only with boot = pvh")
    load_fails("[c]\nscript = call no_such_check\n", "no check 'no_such_check'")


@test
def the_shipped_case_table_loads():
    names = [c.name for c in script.load_cases(os.path.join(HERE, "cases.cfg"))]
    expect(len(names) == len(set(names)) and names, "case names unique and present")


# ---- scheduling ----
@test
def exclusive_cases_run_alone():
    sys.path.insert(0, os.path.dirname(HERE))
    import run_tests
    gate, lock = run_tests.Gate(), threading.Lock()
    now, seen = [0, False], []

    def job(exclusive):
        gate.enter(exclusive)
        with lock:
            now[0] += 1
            now[1] = now[1] or exclusive
            seen.append((now[0], now[1]))
        time.sleep(0.05)
        with lock:
            now[0] -= 1
            now[1] = False if exclusive else now[1]
        gate.leave(exclusive)

    threads = [threading.Thread(target=job, args=(e,)) for e in (False, True, False, False, True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    expect(all(n == 1 for n, alone in seen if alone), "an exclusive job shared the machine: %r" % seen)
    expect(all(not alone for n, alone in seen if n > 1), "overlap with an exclusive job: %r" % seen)
    expect(len(seen) == 6, "every job ran")


# ---- whole cases against fake_qemu.py ----
class Env:
    """A root with build/hotmem.elf and QEMU pointing at fake_qemu.py."""

    def __enter__(self):
        self.root = tempfile.mkdtemp(prefix="hotmem-runner-test-")
        os.makedirs(os.path.join(self.root, "build"))
        open(os.path.join(self.root, "build", "hotmem.elf"), "w").close()
        self.old = os.environ.get("QEMU")
        os.environ["QEMU"] = os.path.join(HERE, "fake_qemu.py")
        return self

    def __exit__(self, *exc):
        if self.old is None:
            os.environ.pop("QEMU", None)
        else:
            os.environ["QEMU"] = self.old
        import shutil
        shutil.rmtree(self.root, ignore_errors=True)

    def run(self, cfg, scale=1.0):
        """Run the one case in cfg; returns (failure message or None, runner)."""
        case, = load(cfg)
        r = script.Runner(case, self.root, scale=scale)
        try:
            r.run()
            return None, r
        except CaseFailure as e:
            return str(e), r
        finally:
            r.vm.stop()


@test
def fake_session_passes():
    with Env() as env:
        why, r = env.run("""[s]
memory = 512M
script =
    expect ^boot loader: PVH$
    prompt
    call memory_map
    run help
    match ^\\s+meminfo\\b
    no-match ^\\s+frobnicate
    run-error frobnicate
    type meminfx\\x7fo\\r
    expect ^MemTotal:\\s+\\d+ kB$
    run meminfo
    match ^MemFree:
    qom-get vm0 size 0
    mark
    qom-set vm0 requested-size 1G
    event MEMORY_DEVICE_SIZE_CHANGE
    expect-unordered ^virtio-mem0: resize done: plugged=1073741824 within 5
    qom-wait vm0 size 1G within 5
    call resize vm0 2G within 5
    run meminfo
    send poweroff
""")
        expect(why is None, "failed: %s" % why)
        expect(r.vm.proc.returncode == 33, "exit status %r" % r.vm.proc.returncode)


@test
def fake_failures_say_why():
    with Env() as env:
        why, _ = env.run("[c]\nscript =\n    prompt\n    send crash\n")
        expect(why and "QEMU exited with status 35, expected 33" in why, why)
        why, _ = env.run("[c]\nexit = 35\nscript =\n    prompt\n    send crash\n    expect ^fault: page fault\n")
        expect(why is None, "an expected crash failed: %s" % why)
        why, r = env.run("[c]\nscript =\n    run hang within 1\n")
        expect(why == "timed out after 1s waiting for prompt 'hotmem> ' after sending 'hang'", why)
        expect(r.vm.proc.poll() is not None, "QEMU still running after the case")
        why, _ = env.run("[c]\nscript =\n    run noisy\n")
        expect(why and "'noisy' printed an error: noisy: an error happened" in why, why)
        why, _ = env.run("[c]\nscript =\n    run help\n    match ^nothing\n")
        expect(why and "no output line matches /^nothing/" in why, why)
        why, _ = env.run("[c]\nscript =\n    prompt\n    qom-set vm9 requested-size 1G\n")
        expect(why and "DeviceNotFound" in why, why)
        why, _ = env.run("[c]\nscript =\n    prompt\n    qmp no-such-command\n")
        expect(why and "CommandNotFound" in why, why)
        why, _ = env.run("[c]\nwait = 1\nscript =\n    prompt\n")
        expect(why == "timed out after 1s waiting for QEMU to exit with status 33 after the script", why)
        why, _ = env.run("[c]\ntimeout = 1\nscript =\n    expect ^never within 30\n")
        expect(why and why.startswith("timed out after ") and "/^never/" in why, why)


@test
def fake_timeout_scale_and_transcript():
    with Env() as env:
        cfg = "[c]\ncmdline = slowboot\nscript =\n    prompt within 1\n    send poweroff\n"
        why, r = env.run(cfg)
        expect(why and "waiting for prompt" in why, why)
        text = r.vm.transcript("header")
        for part in ("## QEMU command line", "fake_qemu.py", "-append slowboot", "## Serial output",
                     "qmp_capabilities", "step     prompt"):
            expect(part in text, "transcript lacks %r" % part)
        why, _ = env.run(cfg, scale=4)
        expect(why is None, "with timeouts x4: %s" % why)


# ---- the Makefile's run targets, with fake_qemu.py as QEMU ----
ROOT = os.path.dirname(os.path.dirname(HERE))


class MakeEnv:
    """A copy of build/ (the kernel's objects and image, timestamps kept, so nothing is rebuilt) in a
    temporary BUILD, and `make TARGET VAR=...` there with QEMU = fake_qemu.py, which records its
    command line and checks -m against the memory devices as QEMU does."""

    def __enter__(self):
        import shutil
        self.build = tempfile.mkdtemp(prefix="hotmem-make-test-")
        src = os.path.join(ROOT, "build")
        if not os.path.exists(os.path.join(src, "hotmem.elf")):
            raise AssertionError("build/hotmem.elf is missing: run `make` first")
        for name in os.listdir(src):
            path = os.path.join(src, name)
            if name in ("host", "test-logs", "isodir", "hotmem.iso", "qmp.sock", "iso-cmdline.txt"):
                continue
            if os.path.isdir(path):
                shutil.copytree(path, os.path.join(self.build, name), symlinks=True)
            else:
                shutil.copy2(path, self.build)
        self.argv_file = os.path.join(self.build, "fake-argv.json")
        return self

    def __exit__(self, *exc):
        import shutil
        shutil.rmtree(self.build, ignore_errors=True)

    def make(self, target, *variables, typed="poweroff\r"):
        """Returns (make's exit status, its output, the fake QEMU's argv or None)."""
        import json
        import subprocess
        if os.path.exists(self.argv_file):
            os.unlink(self.argv_file)
        env = dict(os.environ, FAKE_QEMU_ARGV=self.argv_file)
        env.pop("CMDLINE", None)
        env.pop("MAKEFLAGS", None)
        cmd = ["make", "--no-print-directory", "-s", target, "BUILD=" + self.build,
               "QEMU=" + os.path.join(HERE, "fake_qemu.py")] + list(variables)
        p = subprocess.run(cmd, cwd=ROOT, input=typed, capture_output=True, text=True, env=env, timeout=120)
        argv = None
        if os.path.exists(self.argv_file):
            with open(self.argv_file) as f:
                argv = json.load(f)
        return p.returncode, p.stdout + p.stderr, argv

    def grub_line(self):
        with open(os.path.join(self.build, "isodir", "boot", "grub", "grub.cfg")) as f:
            return [line.strip() for line in f if line.strip().startswith("multiboot2")][0]


def vmem_args(argv):
    """(the -m argument, the virtio-mem device's -device argument or None, the -qmp argument)."""
    def after(name):
        return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == name]
    devices = [d for d in after("-device") if d.startswith("virtio-mem-pci")]
    return after("-m")[0], devices[0] if devices else None, (after("-qmp") or [None])[0]


@test
def make_run_derives_maxmem_from_mem():
    with MakeEnv() as m:
        for mem, maxmem in (("2G", "6144M"), ("5G", "9216M"), ("16G", "20480M"), ("1536M", "5632M")):
            rc, out, argv = m.make("run", "MEM=" + mem)
            expect(rc == 0 and argv, "make run MEM=%s: status %d: %s" % (mem, rc, out.strip()[-300:]))
            mem_arg, dev, qmp = vmem_args(argv)
            expect(mem_arg == "%s,maxmem=%s" % (mem, maxmem), "MEM=%s: -m %s" % (mem, mem_arg))
            expect(dev and "memdev=mem0" in dev, "MEM=%s: no virtio-mem device in %r" % (mem, argv))
        rc, out, argv = m.make("run", "MEM=5G", "VMEM_REGION=8G")
        expect(rc == 0 and vmem_args(argv)[0] == "5G,maxmem=13312M", "VMEM_REGION=8G: %s" % out[-300:])
        rc, out, argv = m.make("run", "MEM=5G", "RUN_MAXMEM=6G")  # too small, on purpose: QEMU says so
        expect(rc != 0 and "not enough space" in out, "RUN_MAXMEM=6G: status %d: %s" % (rc, out[-300:]))
        rc, out, argv = m.make("run", "MEM=lots")
        expect(rc != 0 and argv is None and "MEM=lots is not a size" in out, "MEM=lots: %s" % out[-300:])


@test
def make_kernel_is_idempotent_and_names_symbols():
    """The two-pass link (the symbol table) leaves nothing to do on a second `make`, and the image holds
    the table with the functions of the fault report."""
    import subprocess
    with MakeEnv() as m:
        env = {k: v for k, v in os.environ.items() if k != "MAKEFLAGS"}
        p = subprocess.run(["make", "--no-print-directory", "-q", "kernel", "BUILD=" + m.build], cwd=ROOT, env=env)
        expect(p.returncode == 0, "make -q kernel says the built kernel is out of date (status %d)" % p.returncode)
        with open(os.path.join(m.build, "ksyms.c")) as f:
            table = f.read()
        for fn in ("cmd_crash", "shell_exec", "kmain", "x86_trap"):
            expect('"%s\\0"' % fn in table, "the symbol table lacks %s" % fn)


@test
def make_run_vmem_0_leaves_the_device_out():
    with MakeEnv() as m:
        rc, out, argv = m.make("run", "VMEM=0", "CMDLINE=loglevel=8")
        expect(rc == 0 and argv, "make run VMEM=0: status %d: %s" % (rc, out[-300:]))
        mem_arg, dev, qmp = vmem_args(argv)
        expect(mem_arg == "2G" and dev is None, "VMEM=0: -m %s, device %s" % (mem_arg, dev))
        expect("no virtio-mem device (VMEM=0)" in out, "VMEM=0 is not announced: %s" % out[-300:])
        expect(argv[argv.index("-append") + 1] == "loglevel=8", "CMDLINE lost: %r" % argv)


@test
def make_run_iso_and_uefi_have_the_device_qmp_and_cmdline():
    with MakeEnv() as m:
        for target in ("run-iso", "run-uefi"):
            rc, out, argv = m.make(target, "CMDLINE=loglevel=8 movablecore=256M")
            expect(rc == 0 and argv, "make %s: status %d: %s" % (target, rc, out[-300:]))
            mem_arg, dev, qmp = vmem_args(argv)
            expect(mem_arg == "2G,maxmem=6144M" and dev, "%s: -m %s, device %s" % (target, mem_arg, dev))
            expect(qmp == "unix:%s/qmp.sock,server=on,wait=off" % m.build, "%s: -qmp %s" % (target, qmp))
            expect("-cdrom" in argv and ("pflash" in " ".join(argv)) == (target == "run-uefi"),
                   "%s: %r" % (target, argv))
            expect(m.grub_line() == "multiboot2 /boot/hotmem.elf loglevel=8 movablecore=256M",
                   "%s: grub.cfg has %r" % (target, m.grub_line()))
        # make iso without CMDLINE: an empty command line again, then nothing to do
        rc, out, _ = m.make("iso")
        expect(rc == 0 and m.grub_line() == "multiboot2 /boot/hotmem.elf", "make iso: %r" % m.grub_line())
        iso = os.path.join(m.build, "hotmem.iso")
        before = os.stat(iso).st_mtime_ns
        rc, out, _ = m.make("iso")
        expect(rc == 0 and os.stat(iso).st_mtime_ns == before, "a second make iso rebuilt the ISO: %s" % out)
        rc, out, _ = m.make("iso", "CMDLINE=x;reboot")
        expect(rc != 0 and "only letters, digits" in out, "CMDLINE with ';': status %d: %s" % (rc, out[-300:]))


@test
def make_run_efi_boots_the_esp_and_passes_cmdline_through_the_shell():
    with MakeEnv() as m:
        rc, out, argv = m.make("run-efi")
        expect(rc == 0 and argv, "make run-efi: status %d: %s" % (rc, out[-300:]))
        mem_arg, dev, qmp = vmem_args(argv)
        expect(mem_arg == "2G,maxmem=6144M" and dev and qmp, "run-efi: -m %s, device %s" % (mem_arg, dev))
        joined = " ".join(argv)
        expect("pflash" in joined and "-cdrom" not in argv and "format=raw,file=fat:rw:%s/esp" % m.build in joined,
               "run-efi: %r" % argv)
        expect(os.path.exists(os.path.join(m.build, "esp", "EFI", "BOOT", "BOOTX64.EFI")) and
               os.path.exists(os.path.join(m.build, "esp", "hotmem.elf")), "run-efi: the ESP is incomplete")
        rc, out, argv = m.make("run-efi", "CMDLINE=loglevel=8 movablecore=256M")
        expect(rc == 0 and argv and "file=fat:rw:%s/esp-cmdline" % m.build in " ".join(argv),
               "run-efi CMDLINE=...: status %d: %r" % (rc, argv))
        with open(os.path.join(m.build, "esp-cmdline", "startup.nsh"), newline="") as f:
            nsh = f.read()
        expect(nsh == "fs0:\\hotmem.efi loglevel=8 movablecore=256M\r\n", "startup.nsh is %r" % nsh)
        expect(os.path.exists(os.path.join(m.build, "esp-cmdline", "hotmem.efi")), "esp-cmdline has no hotmem.efi")


# ---- scripts/resize against fake_qemu.py ----
@test
def resize_script_says_what_is_wrong_in_one_line():
    import subprocess
    tmp = tempfile.mkdtemp(prefix="hotmem-resize-test-")
    sock = os.path.join(tmp, "qmp.sock")
    fake = subprocess.Popen([os.path.join(HERE, "fake_qemu.py"), "-m", "512M,maxmem=8G",
                             "-object", "memory-backend-ram,id=mem0,size=4G",
                             "-device", "virtio-mem-pci,id=vm0,memdev=mem0,requested-size=0,block-size=2M",
                             "-qmp", "unix:%s,server=on,wait=off" % sock],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.01)

        def resize(*words):
            p = subprocess.run([os.path.join(ROOT, "scripts", "resize"), "--sock", sock] + list(words),
                               capture_output=True, text=True, timeout=30)
            return p.returncode, p.stdout, p.stderr

        for words, want in (
                (["8G"], "resize: error: 8G is more than vm0's memory backend (4 GiB): at most 4G"),
                (["3M"], "resize: error: 3M is not a multiple of vm0's block size (2 MiB); the nearest "
                         "accepted sizes are 2M and 4M"),
                (["--dev", "vm1", "1G"], "resize: error: no device 'vm1' behind %s; the virtio-mem devices "
                                         "there: vm0 (--dev ID)" % sock),
                (["lots"], "resize: error: bad size 'lots': use bytes or a K/M/G/T suffix (512M, 2G)"),
                (["--sock", os.path.join(tmp, "none"), "1G"], "resize: error: no QMP socket at %s" % tmp)):
            rc, out, err = resize(*words)
            expect(rc == 1 and not out and len(err.splitlines()) == 1 and err.startswith(want),
                   "resize %s: status %d, stdout %r, stderr %r" % (" ".join(words), rc, out, err))
        rc, out, err = resize("2G")
        expect(rc == 0 and "requested-size set to 2147483648 bytes (2 GiB)" in out and not err,
               "resize 2G: status %d: %r %r" % (rc, out, err))
        rc, out, err = resize()
        expect(rc == 0 and "requested-size 2147483648 bytes" in out, "resize: status %d: %r %r" % (rc, out, err))
    finally:
        fake.kill()
        fake.wait()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


# ---- scripts/demo ----
@test
def demo_tells_a_resize_in_serial_order():
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("demo", os.path.join(ROOT, "scripts", "demo"))
    spec = importlib.util.spec_from_loader("demo", loader)
    demo = importlib.util.module_from_spec(spec)
    loader.exec_module(demo)
    log = ("hotmem> \n"
           "hotplug: memory35-39: migrated 163840 pages (640 MiB) in 2387848 us\n"
           "hotplug: memory35-39: offline (Movable) in 2400440 us\n"
           "virtio-mem0: 1 unit (2 MiB) busy, kept plugged; first: x; retrying in 10 ms\n"
           "hotplug: removed [mem 0x0000000118000000-0x000000013fffffff] (blocks 35-39)\n"
           "virtio-mem0: resize done: plugged=314572800 requested=314572800 in 2754437 us (plugged 300 MiB, "
           "requested 300 MiB)\n"
           "hotmem> \n"
           "virtio-mem0: resize time: requests 2415 us (1), add 0 us, online 0 us, unplug 2750262 us\n")
    lines = demo.story(log, "device: size = 300 MiB", 2.7, 2.8)
    words = [next(w for w in ("migrated", "offline", "busy", "removed", "device:", "resize done",
                              "resize time") if w in line) for line in lines]
    expect(words == ["migrated", "offline", "busy", "removed", "device:", "resize done", "resize time"],
           "out of order: %r" % lines)
    lines = demo.story(log, "device: size = 300 MiB", 2.9, 2.8)
    expect(lines[-3].endswith("after qom-set)") and lines[-2].startswith("device:"), "device after: %r" % lines)
    many = "".join("hotplug: memory%d: offline (Movable) in 1 us\n" % b for b in range(32, 42)) + log
    lines = demo.story(many, "device: x", 1, 2)
    expect(sum(l.startswith("guest: hotplug:") for l in lines) == 6 and
           "guest: ... 7 more hotplug lines" in lines, "hotplug lines not cut at 6: %r" % lines)


# ---- the tree ----
# Words of the planning that produced the tree, and files outside it, which a reader of the tree cannot
# follow. Written so that this file does not match its own patterns.
OUTSIDE_WORDS = r"issue [0-9]|DESIGN\.md|\.\./shared|nested[ ]host"


@test
def docs_and_comments_name_nothing_outside_the_tree():
    import subprocess
    p = subprocess.run(["git", "grep", "-n", "-E", OUTSIDE_WORDS], cwd=ROOT, capture_output=True, text=True)
    if p.returncode == 128:  # not a git checkout: walk the files instead
        import re
        rx, hits = re.compile(OUTSIDE_WORDS), []
        for d, dirs, files in os.walk(ROOT):
            dirs[:] = [x for x in dirs if x not in (".git", "build", "__pycache__")]
            for name in files:
                path = os.path.join(d, name)
                with open(path, errors="replace") as f:
                    hits += ["%s:%d" % (os.path.relpath(path, ROOT), i + 1)
                             for i, line in enumerate(f) if rx.search(line)]
        out = "\n".join(hits)
    else:
        out = p.stdout
    lines = out.strip().splitlines()
    expect(not lines, "%d line(s) name planning words or outside files, first: %s"
           % (len(lines), lines[0] if lines else ""))


def main():
    failed = 0
    for fn in TESTS:
        name = fn.__name__.replace("_", " ")
        try:
            fn()
            print("PASS: runner: %s" % name, flush=True)
        except Exception as e:
            failed += 1
            where = traceback.extract_tb(e.__traceback__)[-1]
            print("FAIL: runner: %s: %s:%d: %s" % (name, os.path.basename(where.filename), where.lineno, e),
                  flush=True)
    print("SUMMARY: %d passed, %d failed, 0 skipped" % (len(TESTS) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
