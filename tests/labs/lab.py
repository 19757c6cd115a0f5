#!/usr/bin/env python3
"""hotmem's course labs: the student-tree generator and the grader (docs/labs/README.md).

    tests/labs/lab.py list                       the labs, one name a line, in order
    tests/labs/lab.py branch LAB                 git branch lab/LAB from HEAD, the lab's code stubbed
    tests/labs/lab.py generate LAB DIR           write the lab's stubbed files into the tree at DIR
    tests/labs/lab.py grade [LAB] [--host-only]  grade this tree: one line per test, then Score: X/Y
    tests/labs/lab.py class DIR [-o CSV]         grade a class's submissions (scripts/grade-class)
    tests/labs/lab.py check                      make test's proof of every lab (PASS/FAIL lines)

A lab is tests/labs/<name>.lab: `key = value` lines (title, order, files, test), then one
`[stub ID]` section per region: the C text that replaces the region in the student's tree. A region
is marked in the source by two comment lines, `/* LAB <name> BEGIN <ID> */` and `/* LAB <name> END
<ID> */`; being comments, the markers leave the reference build unchanged. Python 3 stdlib only.
"""

import argparse
import csv
import difflib
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARK = re.compile(r"^\s*/\* LAB (\S+) (BEGIN|END) (\S+) \*/\s*$")
RESULT = re.compile(r"^(PASS|FAIL|SKIP): ")
HOST_TIMEOUT = 300


class LabError(Exception):
    """A refusal: printed as one `lab: error: ...` line, exit status 2."""


class Test:
    def __init__(self, kind, name, points, hidden, env=None):
        self.kind, self.name, self.points, self.hidden = kind, name, points, hidden
        self.env = env or {}

    @property
    def label(self):
        return "%s %s" % (self.kind, self.name)


TEST_SYNTAX = "`host|qemu NAME POINTS [hidden] [VAR=value ...]`"


def parse_test(path, n, val):
    """One `test =` value: kind, name, points, then `hidden` and VAR=value words (VAR=value sets an
    environment variable for a host test, e.g. MM_STEPS=20000 to shorten a random test)."""
    w = val.split()
    if len(w) < 3 or w[0] not in ("host", "qemu") or not w[2].isdigit():
        raise LabError("%s:%d: test takes %s: %s" % (path, n, TEST_SYNTAX, val))
    hidden, env = False, {}
    for word in w[3:]:
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", word)
        if word == "hidden" and not hidden:
            hidden = True
        elif m and w[0] == "host":
            env[m.group(1)] = m.group(2)
        else:
            raise LabError("%s:%d: test takes %s%s: %s" % (
                path, n, TEST_SYNTAX, " (VAR=value only for host tests)" if m else "", val))
    return Test(w[0], w[1], int(w[2]), hidden, env)


def is_hidden_test_line(line):
    """True for a `test = ...` line that carries the word `hidden` (wherever it stands)."""
    m = re.match(r"^test\s*=\s*(.*)$", line)
    return bool(m) and "hidden" in m.group(1).split()[3:]


def without_hidden(text):
    """A .lab file's text with its hidden test lines left out: what a student's tree holds."""
    return "".join(l for l in text.splitlines(keepends=True) if not is_hidden_test_line(l.rstrip("\n")))


class Lab:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-len(".lab")]
        self.title, self.order, self.files, self.tests, self.stubs = "", 0, [], [], {}
        self.parse(open(path).read())

    def parse(self, text):
        stub = None
        for n, line in enumerate(text.splitlines(), 1):
            m = re.match(r"^\[stub (\S+)\]\s*$", line)
            if m:
                stub = m.group(1)
                self.stubs[stub] = []
                continue
            if stub is not None:
                self.stubs[stub].append(line)
                continue
            if not line.strip() or line.startswith("#"):
                continue
            m = re.match(r"^(\w+)\s*=\s*(.*)$", line)
            if not m:
                raise LabError("%s:%d: not `key = value`: %s" % (self.path, n, line))
            key, val = m.group(1), m.group(2).strip()
            if key == "title":
                self.title = val
            elif key == "order":
                self.order = int(val)
            elif key == "files":
                self.files = val.split()
            elif key == "test":
                self.tests.append(parse_test(self.path, n, val))
            else:
                raise LabError("%s:%d: unknown key '%s' (title, order, files, test)" % (self.path, n, key))
        for s in self.stubs:  # drop the blank lines that separate sections
            while self.stubs[s] and not self.stubs[s][-1].strip():
                self.stubs[s].pop()
        if not self.files or not self.tests or not self.stubs:
            raise LabError("%s: a lab needs files, at least one test and one [stub]" % self.path)

    @property
    def max_points(self):
        return sum(t.points for t in self.tests)


def load_labs():
    return load_labs_in(ROOT)


def load_labs_in(tree):
    labs = [Lab(p) for p in glob.glob(os.path.join(tree, "tests", "labs", "*.lab"))]
    return sorted(labs, key=lambda lab: (lab.order, lab.name))


def find_lab(name):
    labs = load_labs()
    for lab in labs:
        if lab.name == name:
            return lab
    raise LabError("unknown lab '%s'; the labs are: %s" % (name, " ".join(l.name for l in labs)))


def stub_text(lab, path, text):
    """The file `text` (at `path`) with the regions of `lab` replaced by their stubs; the other labs'
    markers stay. Every region must have a stub and every stub a region."""
    out, region, seen = [], None, set()
    for n, line in enumerate(text.splitlines(keepends=True), 1):
        m = MARK.match(line)
        if m and m.group(1) == lab.name:
            what, rid = m.group(2), m.group(3)
            if what == "BEGIN":
                if region:
                    raise LabError("%s:%d: region %s begins inside region %s" % (path, n, rid, region))
                if rid not in lab.stubs:
                    raise LabError("%s:%d: region %s has no [stub %s] in %s" % (path, n, rid, rid, lab.path))
                region = rid
                seen.add(rid)
                out.append(line)
                out.extend(s + "\n" for s in lab.stubs[rid])
            else:
                if region != rid:
                    raise LabError("%s:%d: END %s without its BEGIN" % (path, n, rid))
                region = None
                out.append(line)
            continue
        if region is None:
            out.append(line)
    if region:
        raise LabError("%s: region %s has no END marker" % (path, region))
    return "".join(out), seen


def stubbed_files(lab, read):
    """{path: stubbed text} for the lab's files; read(path) gives a file's reference text."""
    files, seen = {}, set()
    for f in lab.files:
        files[f], s = stub_text(lab, f, read(f))
        seen |= s
    missing = sorted(set(lab.stubs) - seen)
    if missing:
        raise LabError("lab %s: no region for stub(s) %s in %s" % (lab.name, " ".join(missing), " ".join(lab.files)))
    return files


def student_files(lab, read, lab_files):
    """Every file a student tree of lab differs in: the lab's files with their regions stubbed, and
    each .lab file (lab_files, paths from the top of the tree) without its hidden test lines."""
    files = stubbed_files(lab, read)
    for f in lab_files:
        files[f] = without_hidden(read(f))
    return files


def lab_file_paths(names):
    return sorted(f for f in names if re.match(r"^tests/labs/[^/]+\.lab$", f))


def git(*args, cwd=ROOT, env=None, check=True):
    p = subprocess.run(["git"] + list(args), cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if check and p.returncode != 0:
        raise LabError("git %s: %s" % (" ".join(args), p.stderr.strip()))
    return p.stdout


def cmd_branch(name):
    lab = find_lab(name)
    branch = "lab/" + lab.name
    if git("status", "--porcelain", "--untracked-files=no").strip():
        raise LabError("the work tree has uncommitted changes; commit or stash them first (the lab "
                       "branch is made from HEAD)")
    if git("rev-parse", "--verify", "--quiet", "refs/heads/" + branch, check=False).strip():
        raise LabError("branch %s exists already; delete it first (git branch -D %s)" % (branch, branch))
    files = student_files(lab, lambda f: git("show", "HEAD:" + f),
                          lab_file_paths(git("ls-tree", "-r", "--name-only", "HEAD", "tests/labs/").split()))
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_INDEX_FILE=os.path.join(tmp, "index"))
        git("read-tree", "HEAD", env=env)
        for f, text in files.items():
            p = os.path.join(tmp, "blob")
            with open(p, "w") as fh:
                fh.write(text)
            blob = git("hash-object", "-w", p).strip()
            mode = git("ls-files", "-s", f).split()[0]
            git("update-index", "--cacheinfo", "%s,%s,%s" % (mode, blob, f), env=env)
        tree = git("write-tree", env=env).strip()
    msg = "lab %s: %s\n\nThe handout is docs/labs/%s.md; make grade LAB=%s grades it.\n" % (
        lab.name, lab.title, lab.name, lab.name)
    commit = git("commit-tree", tree, "-p", "HEAD", "-m", msg).strip()
    git("branch", branch, commit)
    print("lab: branch %s created from %s (%s stubbed)" % (branch, git("rev-parse", "--short", "HEAD").strip(),
                                                        " ".join(lab.files)))
    print("lab: git checkout %s, read docs/labs/%s.md, then make grade LAB=%s" % (branch, lab.name, lab.name))
    return 0


def cmd_generate(name, tree):
    lab = find_lab(name)
    files = student_files(lab, lambda f: open(os.path.join(tree, f)).read(),
                          lab_file_paths(os.path.relpath(p, tree) for p in
                                         glob.glob(os.path.join(tree, "tests", "labs", "*.lab"))))
    for f, text in files.items():
        with open(os.path.join(tree, f), "w") as fh:
            fh.write(text)
    return 0


# ---- grading ----
def run_host(tree, t, log):
    path = os.path.join(tree, "build", "host", t.name)
    try:
        p = subprocess.run([path], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=HOST_TIMEOUT, env=dict(os.environ, **t.env))
        out, status = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out, status = (e.output or b"").decode("utf-8", "replace"), None
    except OSError as e:
        out, status = "cannot run %s: %s\n" % (path, e), -1
    log.write(out)
    lines = out.splitlines()
    fails = [l for l in lines if l.startswith("FAIL: ")]
    if status is None:
        return False, "timed out after %d s" % HOST_TIMEOUT
    if fails:
        return False, "%d failed, first: %s" % (len(fails), fails[0][6:])
    if status != 0:
        return False, "exited with status %d" % status
    if not any(RESULT.match(l) for l in lines):
        return False, "printed no PASS line"
    return True, "%d passed" % sum(1 for l in lines if l.startswith("PASS: "))


def run_qemu(tree, t, log):
    p = subprocess.run([sys.executable, os.path.join(tree, "tests", "run_tests.py"), "--qemu-only", "-v", "-j", "1",
                        t.name], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL)
    out = p.stdout.decode("utf-8", "replace")
    log.write(out)
    case_log = os.path.join(tree, "build", "test-logs", t.name + ".log")
    if os.path.exists(case_log):
        log.write("\n---- %s ----\n" % case_log)
        log.write(open(case_log, errors="replace").read())
    fails = [l for l in out.splitlines() if l.startswith("FAIL: ")]
    if p.returncode == 0 and not fails:
        return True, "passed"
    return False, fails[0][6:] if fails else "runner exited with status %d" % p.returncode


def build(tree, targets, log):
    """make the targets in tree (-j2); True when they built. The output goes to the log. Every tree
    links the newlib build of this one (built here on first need), so a scratch tree does not build
    newlib again."""
    key = subprocess.run([os.path.join(ROOT, "scripts", "newlib"), "--key"], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout.strip()
    newlib = "NEWLIB=" + os.path.join(ROOT, "build", "newlib-" + key)
    p = subprocess.run(["make", "-j2", "-s", newlib] + targets, cwd=tree, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.write(p.stdout.decode("utf-8", "replace"))
    return p.returncode == 0


def graded_tests(lab, host_only):
    return [t for t in lab.tests if not (host_only and t.kind == "qemu")]


def grade_lab(lab, tree, host_only=False, out=print):
    """Grades one lab in tree. Returns (score, max, [(test, points, status, why)], transcript dir)."""
    gdir = os.path.join(tree, "build", "grade", lab.name)
    shutil.rmtree(gdir, ignore_errors=True)
    os.makedirs(gdir)
    tests = graded_tests(lab, host_only)
    targets = sorted({"build/host/" + t.name for t in tests if t.kind == "host"})
    if any(t.kind == "qemu" for t in tests):
        targets.append("kernel")
    with open(os.path.join(gdir, "build.log"), "w") as log:
        built = build(tree, targets, log)
    out("lab %s: %s (%d points%s)" % (lab.name, lab.title, sum(t.points for t in tests),
                                      ", host tests only" if host_only else ""))
    if not built:
        out("  build failed: see %s" % os.path.relpath(os.path.join(gdir, "build.log"), tree))
    results, score = [], 0
    for t in tests:
        with open(os.path.join(gdir, "%s-%s.log" % (t.kind, t.name)), "w") as log:
            if not built:
                ok, why = False, "the tree does not build"
            else:
                ok, why = (run_host if t.kind == "host" else run_qemu)(tree, t, log)
        pts = t.points if ok else 0
        score += pts
        results.append((t, pts, "PASS" if ok else "FAIL", why))
        out("  %s %-34s %2d/%-2d %s%s" % ("PASS" if ok else "FAIL", t.label, pts, t.points,
                                          "(hidden) " if t.hidden else "", why))
    mx = sum(t.points for t in tests)
    out("  lab %s: %d/%d, transcripts in %s" % (lab.name, score, mx, os.path.relpath(gdir, tree)))
    return score, mx, results, gdir


def cmd_grade(name, host_only):
    t0 = time.monotonic()
    labs = [find_lab(name)] if name else load_labs()
    score = mx = 0
    for lab in labs:
        s, m, _, _ = grade_lab(lab, ROOT, host_only)
        score, mx = score + s, mx + m
    print("grade: %d lab%s in %.1f s" % (len(labs), "" if len(labs) == 1 else "s", time.monotonic() - t0))
    print("Score: %d/%d" % (score, mx))
    return 0 if score == mx else 1


# ---- a class's submissions ----
def scratch_tree(base):
    """A clean worktree of HEAD under base (made once, reset on later calls)."""
    if not os.path.isdir(os.path.join(base, ".git")) and not os.path.isfile(os.path.join(base, ".git")):
        shutil.rmtree(base, ignore_errors=True)
        os.makedirs(os.path.dirname(base), exist_ok=True)
        git("worktree", "add", "--detach", "--force", base, "HEAD")
    else:
        git("checkout", "--detach", "--force", git("rev-parse", "HEAD").strip(), cwd=base)
        git("reset", "--hard", "--quiet", cwd=base)
    return base


def copy_work_tree(tree):
    """Copies this tree's uncommitted files (changed or new) into tree, a worktree of HEAD, so that
    make test proves the labs as they are in the work tree."""
    changed = git("diff", "--name-only", "HEAD").split() + git("ls-files", "--others", "--exclude-standard").split()
    for f in changed:
        src, dst = os.path.join(ROOT, f), os.path.join(tree, f)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
        elif os.path.exists(dst):
            os.remove(dst)


def submissions(folder):
    """(student, lab, kind, where): kind 'repo' (a git repository with branches lab/<name>) or
    'patch' (<student>.<lab>.patch, applied to the generated lab tree)."""
    subs = []
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        m = re.match(r"^(.+)\.([^.]+)\.(patch|diff)$", entry)
        if m and os.path.isfile(path):
            subs.append((m.group(1), m.group(2), "patch", path))
        elif os.path.isdir(path) and git("rev-parse", "--git-dir", cwd=path, check=False).strip():
            for ref in git("for-each-ref", "--format=%(refname:short)", "refs/heads/lab/", cwd=path).split():
                subs.append((entry, ref[len("lab/"):], "repo", path))
        else:
            print("grade-class: skipped %s: neither <student>.<lab>.patch nor a git repository" % entry)
    return subs


def apply_submission(lab, tree, kind, where):
    """Puts the student's version of the lab's files into tree (which holds the generated lab)."""
    if kind == "patch":
        p = subprocess.run(["git", "apply"] + ["--include=" + f for f in lab.files] + [os.path.abspath(where)],
                           cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        return None if p.returncode == 0 else "patch does not apply: " + p.stdout.strip().splitlines()[0]
    for f in lab.files:
        text = git("show", "lab/%s:%s" % (lab.name, f), cwd=where, check=False)
        if not text:
            return "branch lab/%s has no %s" % (lab.name, f)
        with open(os.path.join(tree, f), "w") as fh:
            fh.write(text)
    return None


def cmd_class(folder, csv_path, host_only):
    t0 = time.monotonic()
    if not os.path.isdir(folder):
        raise LabError("%s is not a folder of submissions" % folder)
    labs = {lab.name: lab for lab in load_labs()}
    tree = scratch_tree(os.path.join(ROOT, "build", "grade-class", "tree"))
    keep = os.path.join(ROOT, "build", "grade-class", "transcripts")
    rows = []
    for student, name, kind, where in submissions(folder):
        lab = labs.get(name)
        if not lab:
            print("grade-class: %s: unknown lab '%s' (skipped)" % (student, name))
            continue
        scratch_tree(tree)
        cmd_generate(name, tree)
        err = apply_submission(lab, tree, kind, where)
        dest = os.path.join(keep, student, name)
        shutil.rmtree(dest, ignore_errors=True)
        if err:
            graded = graded_tests(lab, host_only)
            print("grade-class: %s lab %s: %s: 0 points" % (student, name, err))
            os.makedirs(dest)
            open(os.path.join(dest, "error.log"), "w").write(err + "\n")
            rows.append([student, name, 0, sum(t.points for t in graded)] + ["0" for _ in graded] + [dest])
            continue
        print("grade-class: %s lab %s" % (student, name))
        s, m, res, gdir = grade_lab(lab, tree, host_only, out=lambda l: print("  " + l))
        shutil.copytree(gdir, dest)
        rows.append([student, name, s, m] + ["%d" % r[1] for r in res] + [dest])
    width = max([len(r) - 5 for r in rows] + [0])
    with open(csv_path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "lab", "score", "max"] + ["test%d" % (i + 1) for i in range(width)] + ["transcripts"])
        for r in rows:
            w.writerow(r[:-1] + [""] * (width - (len(r) - 5)) + r[-1:])
    print("grade-class: %d submission%s graded in %.1f s; scores in %s" % (
        len(rows), "" if len(rows) == 1 else "s", time.monotonic() - t0, csv_path))
    return 0


# ---- make test's proof ----
def cmd_check():
    """The reference scores full marks on every lab (all tests); each generated student tree builds and
    scores less (host tests only: they are what a stub must fail). PASS/FAIL lines."""
    failed = 0
    labs = load_labs()
    log_dir = os.path.join(ROOT, "build", "grade")
    os.makedirs(log_dir, exist_ok=True)
    names = [l.name for l in labs]
    listed = subprocess.run(["make", "-s", "lab-list"], cwd=ROOT, stdout=subprocess.PIPE,
                            universal_newlines=True).stdout.split()
    ok = listed == names
    print("%s: labs: make lab-list prints the %d labs in order" % ("PASS" if ok else "FAIL", len(names)))
    failed += not ok
    for lab in labs:
        doc = os.path.join(ROOT, "docs", "labs", lab.name + ".md")
        text = open(doc).read() if os.path.exists(doc) else ""
        hidden = [t.name for t in lab.tests if t.hidden and t.name in text]
        ok = text and not hidden
        print("%s: labs: %s: handout docs/labs/%s.md%s" % (
            "PASS" if ok else "FAIL", lab.name, lab.name,
            "" if text else " missing" if ok else " names hidden test(s) " + " ".join(hidden)))
        failed += not ok
        with open(os.devnull, "w") as null:
            s, m, _, gdir = grade_lab(lab, ROOT, out=lambda l: null.write(l + "\n"))
        ok = s == m
        print("%s: labs: %s: the reference scores %d/%d%s" % ("PASS" if ok else "FAIL", lab.name, s, m,
                                                          "" if ok else " (transcripts in %s)" % gdir))
        failed += not ok
    tree = scratch_tree(os.path.join(ROOT, "build", "labs-check"))
    for lab in labs:
        scratch_tree(tree)
        copy_work_tree(tree)
        try:
            cmd_generate(lab.name, tree)
        except LabError as e:
            print("FAIL: labs: %s: student tree: %s" % (lab.name, e))
            failed += 1
            continue
        leaked = ["%s: %s" % (l.name, t.name) for l in load_labs_in(tree) for t in l.tests if t.hidden]
        print("%s: labs: %s: the student tree's .lab files name no hidden test%s" % (
            "FAIL" if leaked else "PASS", lab.name, "" if not leaked else " (" + ", ".join(leaked) + ")"))
        failed += bool(leaked)
        with open(os.devnull, "w") as null:
            s, m, res, gdir = grade_lab(lab, tree, host_only=True, out=lambda l: null.write(l + "\n"))
        built = not any(r[3] == "the tree does not build" for r in res)
        ok = built and s < m
        print("%s: labs: %s: the student tree builds and scores %d/%d (host tests)%s" % (
            "PASS" if ok else "FAIL", lab.name, s, m, "" if built else ": it does not build, see " + gdir))
        failed += not ok
    failed += check_class(labs[0])
    return 1 if failed else 0


def check_class(lab):
    """scripts/grade-class on two patch submissions for lab (host tests only): one that writes the
    reference back scores full marks, one that does not apply scores 0 with an error.log."""
    base = os.path.join(ROOT, "build", "labs-check-class")
    folder = os.path.join(base, "submissions")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(folder)
    good = []
    for f in lab.files:
        ref = git("show", "HEAD:" + f)
        stub, _ = stub_text(lab, f, ref)
        good += difflib.unified_diff(stub.splitlines(keepends=True), ref.splitlines(keepends=True),
                                     "a/" + f, "b/" + f)
    with open(os.path.join(folder, "alice.%s.patch" % lab.name), "w") as fh:
        fh.write("".join(good))
    with open(os.path.join(folder, "bob.%s.patch" % lab.name), "w") as fh:
        fh.write("--- a/%s\n+++ b/%s\n@@ -1,1 +1,1 @@\n-no such line in the file\n+nor this one\n" %
                 (lab.files[0], lab.files[0]))
    out = os.path.join(base, "scores.csv")
    with open(os.path.join(base, "grade-class.log"), "w") as log:
        saved, sys.stdout = sys.stdout, log
        try:
            status = cmd_class(folder, out, host_only=True)
        except LabError as e:
            status = "error: %s" % e
        finally:
            sys.stdout = saved
    rows = {r["student"]: r for r in csv.DictReader(open(out))} if os.path.exists(out) else {}
    mx = sum(t.points for t in graded_tests(lab, True))
    a, b = rows.get("alice"), rows.get("bob")
    problems = []
    if status != 0:
        problems.append("grade-class returned %s" % status)
    if not a or (a["score"], a["max"]) != (str(mx), str(mx)):
        problems.append("the reference patch scored %s/%s, not %d/%d" % (
            a and a["score"], a and a["max"], mx, mx))
    if not b or b["score"] != "0" or not os.path.exists(os.path.join(b["transcripts"], "error.log")):
        problems.append("the patch that does not apply did not score 0 with an error.log")
    print("%s: labs: grade-class grades two %s patches into %s%s" % (
        "FAIL" if problems else "PASS", lab.name, os.path.relpath(out, ROOT),
        "" if not problems else ": " + "; ".join(problems) + " (see grade-class.log there)"))
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description="hotmem labs: generator and grader")
    sub = ap.add_subparsers(dest="cmd")
    sub.add_parser("list")
    b = sub.add_parser("branch")
    b.add_argument("lab", nargs="?", default="")
    g = sub.add_parser("generate")
    g.add_argument("lab")
    g.add_argument("tree")
    gr = sub.add_parser("grade")
    gr.add_argument("lab", nargs="?", default="")
    gr.add_argument("--host-only", action="store_true")
    c = sub.add_parser("class")
    c.add_argument("folder")
    c.add_argument("-o", "--csv", default=os.path.join(ROOT, "build", "grade-class", "scores.csv"))
    c.add_argument("--host-only", action="store_true")
    sub.add_parser("check")
    opts = ap.parse_args()
    try:
        if opts.cmd == "list":
            for lab in load_labs():
                print(lab.name)
            return 0
        if opts.cmd == "branch":
            if not opts.lab:
                raise LabError("make lab needs LAB=<name>; the labs are: %s" %
                               " ".join(l.name for l in load_labs()))
            return cmd_branch(opts.lab)
        if opts.cmd == "generate":
            return cmd_generate(opts.lab, opts.tree)
        if opts.cmd == "grade":
            return cmd_grade(opts.lab, opts.host_only)
        if opts.cmd == "class":
            return cmd_class(opts.folder, os.path.abspath(opts.csv), opts.host_only)
        if opts.cmd == "check":
            return cmd_check()
        ap.print_help()
        return 2
    except LabError as e:
        print("lab: error: %s" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
