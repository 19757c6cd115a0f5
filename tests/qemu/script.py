"""The QEMU case table (tests/qemu/cases.cfg) and the interpreter of a case's script.

A case is one INI section (configparser, no interpolation). Keys, with defaults:

    boot       = pvh            pvh (-kernel build/hotmem.elf) | iso-bios | iso-uefi (-cdrom build/hotmem.iso)
                                | efi (hotmem.efi under OVMF: a copy of build/esp/ as a FAT drive)
    machine    = q35            q35 | pc | microvm, with options (microvm,pic=off,acpi=off)
    memory     = 512M           the -m argument, verbatim ("512M,maxmem=4G" is fine)
    args       =                more QEMU arguments (shell words)
    cmdline    =                kernel command line (pvh; efi: through the UEFI shell, as `make run-efi`
                                does: the loader as \\hotmem.efi and a startup.nsh; the ISO's is what
                                `make iso` put in grub.cfg)
    esp        =                efi only: what to break on the case's ESP: no-kernel, kernel-cut (cut
                                to its first 64 KiB), kernel-aarch64 (e_machine 183), kernel-high (its
                                first segment moved to 3.5 GiB, where no RAM is under -m 512M)
    groups     =                space-separated; every case is also in group "qemu" and its boot kind
    timeout    = 60             seconds for the whole case; every wait is also bounded by this
    wait       = 10             default seconds for one step's wait (`within T` overrides)
    exit       = 33             QEMU's expected exit status at the end of the script
    debug_exit = yes            no: leave out -device isa-debug-exit (for ACPI poweroff)
    exclusive  = (see right)    yes: no other QEMU runs meanwhile (timing-sensitive cases); the
                                default is yes for a case with a `ktest` step, else no
    script     =                the steps, one per line (below)

Steps (`within T` at the end of any waiting step overrides `wait`):

    expect REGEX        wait for REGEX (Python re, multi-line) in the serial output after the cursor
    prompt              wait for the shell prompt "hotmem> "
    mark                remember the end of the serial output so far, for expect-unordered
    expect-unordered REGEX
                        wait for REGEX anywhere after the last `mark` (the start when none), so
                        lines that may come in either order (two devices) can be awaited one by one
    run CMD             type CMD + CR, wait for its echo and the next prompt; no output line may
                        contain the word "error"; the output is kept for match/no-match
    run-error CMD       the same, but the output must have a line "<first word of CMD>...: error: ..."
    match REGEX         some line of the last command output matches REGEX
    no-match REGEX      no line of it does
    send TEXT           type TEXT + CR and do not wait (poweroff, crash); \\r \\x7f etc. are decoded
    type TEXT           type TEXT exactly (escapes decoded), no CR added
    qmp CMD [JSON]      run a QMP command (arguments as a JSON object)
    qom-set DEV PROP VALUE            e.g. qom-set vm0 requested-size 1G
    qom-get DEV PROP VALUE            the property equals VALUE now
    qom-wait DEV PROP VALUE           poll qom-get until it equals VALUE
    event NAME          wait for a QMP event (e.g. MEMORY_DEVICE_SIZE_CHANGE)
    sleep SECONDS
    ktest               wait for the kernel's "SUMMARY: N passed, N failed, N skipped" and report
                        every PASS:/FAIL:/SKIP: line the kernel printed before it (since the
                        cursor) as a result of its own; works after `send selftest mm` too
    call NAME [ARGS]    a Python check from tests/qemu/cases.py (e.g. `call resize vm0 1G within 30`)

DEV is a device id (`vm0` means /machine/peripheral/vm0) or a QOM path starting with "/". VALUE is an
integer, a size with a binary suffix (64K, 256M, 1G), true/false, or a string.
After the last step the runner waits (bounded by `wait`) for QEMU to exit and compares the status
with `exit`. The cursor starts at the beginning of the serial output and moves past what each
step consumed.
"""

import configparser
import json
import os
import re
import shlex
import time

import cases as checks
from qmp import QMPError, QMPTimeout
from vm import VM, CaseFailure

PROMPT = "hotmem> "
BOOTS = ("pvh", "iso-bios", "iso-uefi", "efi")
ESP_FAULTS = ("", "no-kernel", "kernel-cut", "kernel-aarch64", "kernel-high")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
KEYS = {"boot": "pvh", "machine": "q35", "memory": "512M", "args": "", "cmdline": "", "groups": "",
        "timeout": "60", "wait": "10", "exit": "33", "debug_exit": "yes", "exclusive": "", "script": "",
        "esp": ""}
STEPS = {"expect", "expect-unordered", "mark", "prompt", "run", "run-error", "match", "no-match", "send", "type", "qmp",
         "qom-set", "qom-get", "qom-wait", "event", "sleep", "ktest", "call"}
WAITING = {"expect", "expect-unordered", "prompt", "run", "run-error", "qom-wait", "event", "ktest", "call"}


def parse_size(text):
    """'512M' -> bytes (binary suffixes K M G T, optionally followed by B or iB); a bare number is
    bytes."""
    m = re.fullmatch(r"(\d+)([KMGT]?)(?:i?B)?", text.strip(), re.I)
    if not m:
        raise ValueError("not a size: %r" % text)
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[m.group(2).upper()]


def ram_bytes(memory):
    """The RAM size of a -m argument ('3G', '512M,maxmem=4G', 'size=1G,slots=2'); QEMU reads a
    bare number as MiB."""
    first = memory.split(",")[0]
    first = first.split("=", 1)[1] if first.startswith("size=") else first
    return parse_size(first) if re.search(r"[KMGT]", first, re.I) else int(first) << 20


def yes(text):
    return text.strip().lower() in ("yes", "true", "1", "on")


def qom_value(text):
    if text in ("true", "false"):
        return text == "true"
    try:
        return parse_size(text)
    except ValueError:
        return text


def decode_escapes(text):
    return text.encode("latin-1").decode("unicode_escape")


class Case:
    def __init__(self, name, section, where):
        self.name = name
        unknown = set(section) - set(KEYS)
        if unknown:
            raise ValueError("%s: case [%s]: unknown key(s) %s" % (where, name, ", ".join(sorted(unknown))))
        c = {k: section.get(k, v) for k, v in KEYS.items()}
        self.boot, self.machine, self.memory = c["boot"], c["machine"], c["memory"]
        self.args = shlex.split(c["args"])
        self.cmdline = c["cmdline"]
        self.groups = set(c["groups"].split()) | {"qemu", self.boot}
        self.timeout = float(c["timeout"])
        self.wait = float(c["wait"])
        self.exit = int(c["exit"])
        self.debug_exit = yes(c["debug_exit"])
        if self.boot not in BOOTS:
            raise ValueError("%s: case [%s]: boot must be one of %s" % (where, name, ", ".join(BOOTS)))
        if self.cmdline and self.boot not in ("pvh", "efi"):
            raise ValueError("%s: case [%s]: cmdline works only with boot = pvh or efi" % (where, name))
        self.esp = c["esp"].strip()
        if self.esp and self.boot != "efi":
            raise ValueError("%s: case [%s]: esp works only with boot = efi" % (where, name))
        if self.esp not in ESP_FAULTS:
            raise ValueError("%s: case [%s]: esp must be one of %s" % (where, name, ", ".join(ESP_FAULTS[1:])))
        self.steps = []
        for line in c["script"].splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            verb, _, rest = line.partition(" ")
            if verb not in STEPS:
                raise ValueError("%s: case [%s]: unknown step %r" % (where, name, line))
            within = None
            m = re.search(r"(?:^|\s+)within\s+(\d+(?:\.\d+)?)s?$", rest)
            if m and verb in WAITING:
                within, rest = float(m.group(1)), rest[:m.start()]
            if verb == "call" and rest.split()[0].replace("-", "_") not in checks.CHECKS:
                raise ValueError("%s: case [%s]: no check %r in cases.py" % (where, name, rest.split()[0]))
            self.steps.append((verb, rest.strip(), within))
        # In-kernel tests check timings (timers, delays) that a second busy QEMU can upset.
        self.exclusive = yes(c["exclusive"]) if c["exclusive"] else any(v == "ktest" for v, _, _ in self.steps)

    def argv(self, root):
        """The QEMU command line without the serial/QMP options (VM.start adds those)."""
        accel = os.environ.get("ACCEL", "tcg")
        argv = [os.environ.get("QEMU", "qemu-system-x86_64"), "-machine", self.machine, "-accel", accel,
                "-m", self.memory, "-no-reboot", "-display", "none"]
        if self.debug_exit:
            argv += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if self.boot == "pvh":
            argv += ["-kernel", os.path.join(root, "build/hotmem.elf")]
            if self.cmdline:
                argv += ["-append", self.cmdline]
        else:
            if self.boot in ("iso-uefi", "efi"):
                argv += ["-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
                         "-drive", "if=pflash,format=raw,file=@VARS@"]
            if self.boot == "efi":
                argv += ["-net", "none", "-drive", "format=raw,file=fat:rw:@ESP@"]
            else:
                argv += ["-cdrom", os.path.join(root, "build/hotmem.iso")]
        return argv + self.args


def make_esp(root, tmpdir, cmdline, fault):
    """The case's own copy of build/esp/ (QEMU's FAT drive is writable), broken as `fault` says.
    With a command line the loader is \\hotmem.efi, started by the UEFI shell's startup.nsh, since the
    firmware starts EFI/BOOT/BOOTX64.EFI without load options."""
    import shutil
    import struct
    esp = os.path.join(tmpdir, "esp")
    shutil.copytree(os.path.join(root, "build/esp"), esp)
    kernel = os.path.join(esp, "hotmem.elf")
    if cmdline:
        os.rename(os.path.join(esp, "EFI/BOOT/BOOTX64.EFI"), os.path.join(esp, "hotmem.efi"))
        with open(os.path.join(esp, "startup.nsh"), "w") as f:
            f.write("fs0:\\hotmem.efi %s\r\n" % cmdline)
    with open(kernel, "rb") as f:
        elf = bytearray(f.read())
    if fault == "no-kernel":
        os.unlink(kernel)
        return esp
    if fault == "kernel-cut":
        elf = elf[:64 << 10]
    elif fault == "kernel-aarch64":
        elf[18:20] = struct.pack("<H", 183)
    elif fault == "kernel-high":
        phoff, = struct.unpack_from("<Q", elf, 32)
        phnum, = struct.unpack_from("<H", elf, 56)
        for i in range(phnum):
            if struct.unpack_from("<I", elf, phoff + 56 * i)[0] == 1:  # the first PT_LOAD: its p_paddr
                struct.pack_into("<Q", elf, phoff + 56 * i + 24, 0xe0000000)
                break
    with open(kernel, "wb") as f:
        f.write(elf)
    return esp


def load_cases(path):
    cp = configparser.ConfigParser(interpolation=None, default_section="__none__",
                                   comment_prefixes=("#", ";"), inline_comment_prefixes=None)
    cp.optionxform = str
    with open(path) as f:
        cp.read_file(f)
    return [Case(name, cp[name], path) for name in cp.sections()]


class Runner:
    """Runs one case: run() returns when it passed and raises CaseFailure saying why it did not.
    ktest_lines keeps the kernel's own PASS/FAIL/SKIP lines seen by `ktest` steps. The caller stops
    the VM (runner.vm.stop()) in every case."""

    def __init__(self, case, root, echo=None, scale=1.0):
        """scale multiplies every timeout of the case (slow accelerators, loaded machines)."""
        self.case = case
        self.scale = scale
        self.root = root
        self.vm = VM(case.name, echo)
        self.output = ""          # output of the last `run`
        self.ktest_lines = []
        self.deadline = None
        self.within = None        # `within T` of the running `call` step
        self.mark = 0             # where expect-unordered starts looking

    def budget(self, within):
        """Seconds the next wait may take: `within`, or the case's `wait`, cut to what is left of the
        case's timeout (rounded up to 0.1 s so messages stay readable)."""
        want = (self.case.wait if within is None else within) * self.scale
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CaseFailure("the case's timeout of %gs ran out" % (self.case.timeout * self.scale))
        return want if want <= left else round(left + 0.05, 1)

    def run(self):
        c = self.case
        self.deadline = time.monotonic() + c.timeout * self.scale
        image = {"pvh": "build/hotmem.elf", "efi": "build/esp/EFI/BOOT/BOOTX64.EFI"}.get(c.boot, "build/hotmem.iso")
        if not os.path.exists(os.path.join(self.root, image)):
            raise CaseFailure("%s is missing (run `make%s`)" % (image, {"pvh": "", "efi": " efi"}.get(c.boot, " iso")))
        argv = c.argv(self.root)
        if c.boot == "efi":
            esp = make_esp(self.root, self.vm.tmpdir, c.cmdline, c.esp)
            argv = [a.replace("@ESP@", esp) for a in argv]
        if c.boot in ("iso-uefi", "efi"):
            vars_copy = os.path.join(self.vm.tmpdir, "OVMF_VARS.fd")
            with open(OVMF_VARS, "rb") as src, open(vars_copy, "wb") as dst:
                dst.write(src.read())
            argv = [a.replace("@VARS@", vars_copy) for a in argv]
        self.vm.start(argv)
        for verb, rest, within in c.steps:
            self.vm.note("step", "%s %s" % (verb, rest))
            getattr(self, "step_" + verb.replace("-", "_"))(rest, within)
        status = self.vm.wait_exit(self.budget(None), "QEMU to exit with status %d after the script" % c.exit)
        if status != c.exit:
            raise CaseFailure("QEMU exited with status %d, expected %d%s" % (status, c.exit, describe_status(status)))

    # ---- serial steps ----
    def step_expect(self, rest, within):
        t = self.budget(within)
        self.vm.wait_regex(rest, t, "/%s/ in the serial output" % rest)

    def step_mark(self, rest, within):
        self.mark = len(self.vm.text)

    def step_expect_unordered(self, rest, within):
        t = self.budget(within)
        self.vm.wait_regex(rest, t, "/%s/ in the serial output since the mark" % rest, start=self.mark)

    def step_prompt(self, rest, within):
        self.vm.wait_regex(re.escape(PROMPT), self.budget(within), "prompt %r" % PROMPT)

    def _command(self, cmd, within):
        if not self.vm.text[:self.vm.cursor].endswith(PROMPT):
            # Typing before the shell reads would lose the line: wait for a prompt first.
            self.vm.wait_regex(re.escape(PROMPT), self.budget(within),
                               "prompt %r before sending %r" % (PROMPT, cmd))
        start = len(self.vm.text)
        self.vm.write(cmd + "\r")
        t = self.budget(within)
        echo = self.vm.wait_regex(re.escape(cmd) + r"\n", t, "the echo of %r" % cmd, start=start)
        m = self.vm.wait_regex(re.escape(PROMPT), self.budget(within),
                               "prompt %r after sending %r" % (PROMPT, cmd), start=echo.end())
        self.output = self.vm.text[echo.end():m.start()]
        self.vm.note("output", self.output.rstrip("\n") or "(none)")

    def step_run(self, cmd, within):
        self._command(cmd, within)
        bad = [l for l in self.output.splitlines() if re.search(r"\berror\b", l, re.I)]
        if bad:
            raise CaseFailure("%r printed an error: %s" % (cmd, bad[0].strip()))

    def step_run_error(self, cmd, within):
        self._command(cmd, within)
        word = re.escape(cmd.split()[0])
        if not re.search(r"^%s[^\n]*: error: \S" % word, self.output, re.M):
            raise CaseFailure("%r did not print a line '%s...: error: <reason>' (got: %s)"
                              % (cmd, cmd.split()[0], summarize(self.output)))

    def step_match(self, rx, within):
        if not re.search(rx, self.output, re.M):
            raise CaseFailure("no output line matches /%s/ (output: %s)" % (rx, summarize(self.output)))

    def step_no_match(self, rx, within):
        m = re.search(rx, self.output, re.M)
        if m:
            line = self.output[:m.end()].rsplit("\n", 1)[-1] + self.output[m.end():].split("\n", 1)[0]
            raise CaseFailure("an output line matches /%s/: %s" % (rx, line.strip()))

    def step_send(self, text, within):
        self.vm.write(decode_escapes(text) + "\r")

    def step_type(self, text, within):
        self.vm.write(decode_escapes(text))

    def step_sleep(self, text, within):
        time.sleep(min(float(text), max(0.0, self.deadline - time.monotonic())))

    def step_ktest(self, rest, within):
        rx = r"^SUMMARY: (\d+) passed, (\d+) failed, (\d+) skipped"
        start = self.vm.cursor
        m = self.vm.wait_regex(rx, self.budget(within), "the in-kernel tests' SUMMARY line")
        lines = re.findall(r"^((?:PASS|FAIL|SKIP): .*)$", self.vm.text[start:m.start()], re.M)
        self.ktest_lines += lines
        counts = [sum(l.startswith(k) for l in lines) for k in ("PASS", "FAIL", "SKIP")]
        if counts != [int(g) for g in m.groups()]:
            raise CaseFailure("kernel SUMMARY says %s/%s/%s but it printed %d PASS, %d FAIL, %d SKIP lines"
                              % (m.groups() + tuple(counts)))

    # ---- QMP steps ----
    def _qmp(self, fn, *args):
        try:
            return fn(*args)
        except (QMPError, QMPTimeout) as e:
            self.vm.check_alive("talking QMP")
            raise CaseFailure(str(e))

    def step_qmp(self, rest, within):
        cmd, _, args = rest.partition(" ")
        self._qmp(self.vm.qmp.execute, cmd, json.loads(args) if args.strip() else None, self.budget(within))

    def _qom_args(self, rest, verb):
        parts = rest.split()
        if len(parts) != 3:
            raise CaseFailure("%s wants DEV PROP VALUE, got %r" % (verb, rest))
        dev, prop, value = parts
        return (dev if dev.startswith("/") else "/machine/peripheral/" + dev), prop, qom_value(value)

    def step_qom_set(self, rest, within):
        path, prop, value = self._qom_args(rest, "qom-set")
        self._qmp(self.vm.qmp.qom_set, path, prop, value, self.budget(within))

    def step_qom_get(self, rest, within):
        path, prop, value = self._qom_args(rest, "qom-get")
        got = self._qmp(self.vm.qmp.qom_get, path, prop, self.budget(within))
        if got != value:
            raise CaseFailure("qom-get %s %s is %s, expected %s" % (path, prop, got, value))

    def step_qom_wait(self, rest, within):
        path, prop, value = self._qom_args(rest, "qom-wait")
        took = self._qmp(self.vm.qmp.wait_qom, path, prop, value, self.budget(within))
        self.vm.note("runner", "qom %s %s reached %s after %.3fs" % (path, prop, value, took))

    def step_event(self, name, within):
        self._qmp(self.vm.qmp.wait_event, name, self.budget(within))

    def step_call(self, rest, within):
        words = shlex.split(rest)
        self.within = within  # a check that waits bounds it with self.budget(self.within)
        checks.CHECKS[words[0].replace("-", "_")](self, *words[1:])


def describe_status(status):
    return {0: " (QEMU ended without the debug-exit device's word: guest shutdown or reset)",
            1: " (QEMU itself failed: see its stderr)",
            33: " (the kernel reported success)", 35: " (the kernel reported failure)",
            -9: " (killed)"}.get(status, "")


def summarize(text, limit=300):
    flat = " | ".join(l.strip() for l in text.strip().splitlines())
    return (flat[:limit] + "...") if len(flat) > limit else (flat or "nothing")
