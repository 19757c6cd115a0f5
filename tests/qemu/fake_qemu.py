#!/usr/bin/env python3
"""A stand-in for qemu-system-x86_64, used only by test_runner.py to test the runner, the Makefile's run
targets and scripts/resize without QEMU.

It takes QEMU's command line, serves QMP on the `-qmp unix:PATH` socket, one client after another
(qmp_capabilities; qom-get, qom-set and qom-list of virtio-mem devices and their memory backends,
refusing a requested-size QEMU would refuse, with QEMU's messages; quit) and plays a tiny hotmem on
stdin/stdout: a banner with a memory map, the `hotmem> ` prompt, echo and backspace, and the commands
help, meminfo, poweroff (exit 33), crash (a fault report, exit 35), hang, and errors for anything else.
Setting requested-size makes it print `virtio-mem0: resize done: ...` a moment later and then
report the new size, like the real driver. `-append` words: `slowboot` delays the banner by 2 s.

Like QEMU, it refuses a virtio-mem device without room for it: `-m SIZE` without maxmem, or with
MAXMEM - SIZE smaller than the device's memory backend, ends with QEMU's message and status 1. With
FAKE_QEMU_ARGV=PATH in the environment it writes its command line to PATH (JSON), for tests of the
Makefile's run targets.
"""

import json
import os
import socket
import sys
import threading
import time

args = sys.argv[1:]
out_lock = threading.Lock()
state = {"requested-size": 0, "size": 0}
waiting = [False]  # the prompt is on screen


def arg(name, default=None):
    return args[args.index(name) + 1] if name in args else default


def args_of(name):
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == name]


def mib_size(text, bare_shift=20):
    """QEMU's sizes: a number with an optional K/M/G/T suffix; a bare number is MiB for -m."""
    text = text.strip().upper()
    shifts = {"K": 10, "M": 20, "G": 30, "T": 40}
    if text and text[-1] in shifts:
        return int(float(text[:-1]) * (1 << shifts[text[-1]]))
    return int(text) << bare_shift


def options(text):
    return dict(kv.split("=", 1) for kv in text.split(",") if "=" in kv)


def check_memory_devices():
    """QEMU's checks of -m against the memory devices (hw/mem/memory-device.c), message for message."""
    m = arg("-m")
    if m is None:
        return
    parts = m.split(",")
    ram = mib_size(parts[0].split("=", 1)[-1])
    maxmem = options(m).get("maxmem")
    backends = {o.get("id"): mib_size(o.get("size", "0"), 0) for o in map(options, args_of("-object"))}
    used = 0
    for dev in args_of("-device"):
        if not dev.startswith("virtio-mem-pci"):
            continue
        if maxmem is None:
            sys.stderr.write("qemu-system-x86_64: -device %s: memory devices (e.g. for memory hotplug) are "
                             "not enabled, please specify the maxmem option\n" % dev)
            sys.exit(1)
        size = backends.get(options(dev).get("memdev"), 0)
        total = mib_size(maxmem) - ram
        if used + size > total:
            sys.stderr.write("qemu-system-x86_64: -device %s: not enough space, currently 0x%x in use of "
                             "total space for memory devices 0x%x\n" % (dev, used, total))
            sys.exit(1)
        used += size


def write(text):
    with out_lock:
        sys.stdout.write(text)
        sys.stdout.flush()


def log(line):
    """An asynchronous kernel log line: on its own line, then a fresh prompt when one was shown."""
    write(("\n" if waiting[0] else "") + line + "\n" + ("hotmem> " if waiting[0] else ""))


def devices():
    """{id: {"block-size", "memdev", "backend"}} of the virtio-mem devices on the command line; without
    any, one vm0 (4 GiB backend, 2 MiB blocks), so runner tests need no device arguments."""
    backends = {o.get("id"): mib_size(o.get("size", "0"), 0) for o in map(options, args_of("-object"))}
    devs = {}
    for dev in args_of("-device"):
        if dev.startswith("virtio-mem-pci"):
            o = options(dev)
            devs[o.get("id", "vm%d" % len(devs))] = {
                "block-size": mib_size(o.get("block-size", "2M"), 0), "memdev": "/objects/" + o.get("memdev", ""),
                "backend": backends.get(o.get("memdev"), 0)}
    return devs or {"vm0": {"block-size": 2 << 20, "memdev": "/objects/mem0", "backend": 4 << 30}}


def resize(size):
    time.sleep(0.2)
    state["size"] = size
    log("virtio-mem0: resize done: plugged=%d requested=%d in 42 us (plugged %d MiB, requested %d MiB)"
        % (size, size, size >> 20, size >> 20))


def qom(cmd, a, devs):
    """One qom-get / qom-set / qom-list: ("return", value) or ("error", class, desc), as QEMU 7.2."""
    path, prop = a.get("path", ""), a.get("property")
    objects = {d["memdev"]: d for d in devs.values()}
    if cmd == "qom-list" and path == "/machine/peripheral":
        return ("return", [{"name": "type", "type": "string"}] +
                [{"name": n, "type": "child<virtio-mem-pci>"} for n in devs])
    name = path.rsplit("/", 1)[-1]
    if path.startswith("/machine/peripheral/") and name in devs:
        d = devs[name]
        if cmd == "qom-get" and prop in ("requested-size", "size"):
            return ("return", state[prop])
        if cmd == "qom-get" and prop in ("block-size", "memdev"):
            return ("return", d[prop])
        if cmd == "qom-set" and prop == "requested-size":
            v = a.get("value")
            if v > d["backend"]:
                return ("error", "GenericError",
                        "'requested-size' cannot exceed the memory backend size(0x%x)" % d["backend"])
            if v % d["block-size"]:
                return ("error", "GenericError",
                        "'requested-size' has to be multiples of 'block-size' (0x%x)" % d["block-size"])
            state[prop] = v
            return ("return", {})
        return ("error", "GenericError", "Property 'virtio-mem-pci.%s' not found" % prop)
    if cmd == "qom-get" and path in objects and prop == "size":
        return ("return", objects[path]["backend"])
    return ("error", "DeviceNotFound", "Device '%s' not found" % path)


def serve_qmp(path):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(path):  # QEMU replaces a stale socket
        os.unlink(path)
    srv.bind(path)
    srv.listen(1)
    devs = devices()
    while True:  # one client after another, as QEMU's QMP server
        conn, _ = srv.accept()
        serve_client(conn.makefile("rwb"), devs)
        conn.close()


def serve_client(f, devs):
    def send(obj):
        f.write(json.dumps(obj).encode() + b"\r\n")
        f.flush()

    # Real QEMU 7.2 has been seen to send RESUME before the greeting when the client connects as the
    # machine starts; the fake always does, so the client's handling of it stays tested.
    send({"timestamp": {"seconds": 0, "microseconds": 0}, "event": "RESUME"})
    send({"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}}, "capabilities": []}})
    for line in f:
        req = json.loads(line)
        cmd, a, ident = req.get("execute"), req.get("arguments", {}), req.get("id")
        if cmd == "qmp_capabilities":
            send({"return": {}, "id": ident})
        elif cmd in ("qom-get", "qom-set", "qom-list"):
            answer = qom(cmd, a, devs)
            if answer[0] == "error":
                send({"error": {"class": answer[1], "desc": answer[2]}, "id": ident})
                continue
            send({"return": answer[1], "id": ident})
            if cmd == "qom-set":
                send({"event": "MEMORY_DEVICE_SIZE_CHANGE", "data": {"id": "vm0", "size": a["value"]}})
                threading.Thread(target=resize, args=(a["value"],), daemon=True).start()
        elif cmd == "quit":
            send({"return": {}, "id": ident})
            os._exit(0)
        else:
            send({"error": {"class": "CommandNotFound", "desc": "The command %s has not been found" % cmd},
                  "id": ident})


def shell():
    write("\nhotmem 0.1.0 (x86_64)\nboot loader: PVH\ncommand line: %s\n" % arg("-append", ""))
    write("memory map (3 regions):\n"
          "  e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
          "  e820: [mem 0x0000000000100000-0x000000001ffdefff] usable\n"
          "  e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\n")
    while True:
        line = ""
        write("hotmem> ")
        waiting[0] = True
        while True:
            c = sys.stdin.read(1)
            if not c:
                os._exit(1)
            if c in "\r\n":
                write("\n")
                break
            if c in "\x08\x7f":
                if line:
                    line = line[:-1]
                    write("\b \b")
                continue
            line += c
            write(c)
        waiting[0] = False
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "help":
            write("  help        list the commands\n  meminfo     memory counters\n")
        elif cmd[0] == "meminfo":
            write("MemTotal:         523748 kB\nMemFree:          500000 kB\n")
        elif cmd[0] == "poweroff":
            write("poweroff: bye\n")
            os._exit(33)
        elif cmd[0] == "crash":
            write("fault: page fault (vector 14) error 0x2 at rip 0xffffffff80101234\n")
            os._exit(35)
        elif cmd[0] == "hang":
            time.sleep(3600)
        elif cmd[0] == "noisy":
            write("noisy: an error happened\n")
        else:
            write("%s: error: unknown command (try 'help')\n" % cmd[0])


def main():
    if os.environ.get("FAKE_QEMU_ARGV"):
        with open(os.environ["FAKE_QEMU_ARGV"], "w") as f:
            json.dump(sys.argv, f)
    check_memory_devices()
    qmp = arg("-qmp")
    if qmp:
        path = qmp.split("unix:", 1)[1].split(",")[0]
        threading.Thread(target=serve_qmp, args=(path,), daemon=True).start()
    if "slowboot" in arg("-append", ""):
        time.sleep(2)
    shell()


if __name__ == "__main__":
    main()
