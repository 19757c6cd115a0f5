#!/usr/bin/env python3
"""A stand-in for qemu-system-x86_64, used only by test_runner.py to test the runner without QEMU.

It takes QEMU's command line, serves QMP on the `-qmp unix:PATH` socket (qmp_capabilities, qom-get,
qom-set of a virtio-mem device's requested-size, quit) and plays a tiny hotmem on stdin/stdout:
a banner with a memory map, the `hotmem> ` prompt, echo and backspace, and the commands help,
meminfo, poweroff (exit 33), crash (a fault report, exit 35), hang, and errors for anything else.
Setting requested-size makes it print `virtio-mem0: resize done: ...` a moment later and then
report the new size, like the real driver. `-append` words: `slowboot` delays the banner by 2 s.
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


def write(text):
    with out_lock:
        sys.stdout.write(text)
        sys.stdout.flush()


def log(line):
    """An asynchronous kernel log line: on its own line, then a fresh prompt when one was shown."""
    write(("\n" if waiting[0] else "") + line + "\n" + ("hotmem> " if waiting[0] else ""))


def resize(size):
    time.sleep(0.2)
    state["size"] = size
    log("virtio-mem0: resize done: plugged=%d requested=%d in 42 us" % (size, size))


def serve_qmp(path):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    conn, _ = srv.accept()
    f = conn.makefile("rwb")

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
        elif cmd in ("qom-get", "qom-set") and a.get("path") != "/machine/peripheral/vm0":
            send({"error": {"class": "DeviceNotFound", "desc": "Device '%s' not found" % a.get("path")},
                  "id": ident})
        elif cmd == "qom-get":
            send({"return": state[a["property"]], "id": ident})
        elif cmd == "qom-set":
            state[a["property"]] = a["value"]
            send({"return": {}, "id": ident})
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
    qmp = arg("-qmp")
    if qmp:
        path = qmp.split("unix:", 1)[1].split(",")[0]
        threading.Thread(target=serve_qmp, args=(path,), daemon=True).start()
    if "slowboot" in arg("-append", ""):
        time.sleep(2)
    shell()


if __name__ == "__main__":
    main()
