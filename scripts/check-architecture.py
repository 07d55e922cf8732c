#!/usr/bin/env python3
"""Checks the invariants ARCHITECTURE.md says must never break, and exits 1 naming each one
that does.

From `cargo metadata` (the resolved dependency graph, normal and build dependencies only):
  1. no crate depends on a binary crate (tamga-edge, tamga-central), except the benchmark
     crate, which measures both binaries' code and is never a dependency of a node;
  2. tamga-core and tamga-sync depend, directly or not, on no async runtime and no HTTP or
     socket crate;
  3. only tamga-node and the binaries depend on an HTTP server or client crate.

From the sources (src/ of every workspace crate, tests/ and examples/ left out):
  4. tamga-core, tamga-store and tamga-sync read no clock (`SystemTime::now`, `Instant::now`,
     `Utc::now`, `Timestamp::now`) and open no socket;
  5. no source file is over 800 lines;
  6. no two modules of a crate import each other, directly or round a circle (a module and
     its own submodules excepted).

From every file git tracks:
  7. no merge conflict marker is left in (a line that is `<<<<<<< `, `=======` or `>>>>>>> `).

Run: python3 scripts/check-architecture.py   (CI runs it from .ci/run)
"""

import json
import os
import re
import subprocess
import sys

BINARIES = {"tamga-edge", "tamga-central"}
MAY_DEPEND_ON_BINARIES = {"tamga-bench"}
PURE = {"tamga-core", "tamga-sync"}
NO_CLOCK = {"tamga-core", "tamga-store", "tamga-sync"}
ASYNC_OR_NET = {
    "tokio", "async-std", "smol", "mio", "axum", "hyper", "hyper-util", "reqwest",
    "tower", "tower-service", "h2", "socket2", "futures-executor",
}
HTTP = {"axum", "hyper", "hyper-util", "reqwest", "tower-service", "h2"}
MAY_USE_HTTP = {"tamga-node"} | BINARIES | {"tamga-bench", "tamga-testkit", "tamga-reliability"}
MAX_LINES = 800
CLOCK = re.compile(r"\b(SystemTime::now|Instant::now|Utc::now|Local::now|Timestamp::now)\s*\(")
SOCKET = re.compile(r"\b(TcpStream|TcpListener|UdpSocket|UnixStream|UnixListener)\b")

problems = []


def metadata():
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def check_dependencies(meta):
    packages = {p["id"]: p for p in meta["packages"]}
    members = set(meta["workspace_members"])
    name = lambda pid: packages[pid]["name"]
    # Resolved edges, without dev-dependencies.
    edges = {}
    for node in meta["resolve"]["nodes"]:
        deps = []
        for d in node["deps"]:
            kinds = {k["kind"] for k in d["dep_kinds"]}
            if kinds - {"dev"}:
                deps.append(d["pkg"])
        edges[node["id"]] = deps

    def closure(pid):
        seen, todo = set(), [pid]
        while todo:
            for d in edges.get(todo.pop(), []):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    for pid in members:
        crate = name(pid)
        direct = {name(d) for d in edges.get(pid, [])}
        if crate not in MAY_DEPEND_ON_BINARIES:
            for b in sorted(direct & BINARIES):
                problems.append(f"{crate} depends on the binary crate {b}: "
                                "what both binaries share belongs in tamga-node")
        below = {name(d) for d in closure(pid)}
        if crate in PURE:
            for bad in sorted(below & ASYNC_OR_NET):
                problems.append(f"{crate} depends (directly or not) on {bad}: "
                                "the core and the sync engine run no async runtime and no I/O")
        if crate not in MAY_USE_HTTP:
            for bad in sorted(direct & HTTP):
                problems.append(f"{crate} depends on {bad}: only tamga-node and the binaries speak HTTP")


def rust_files(root):
    for base, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ("target",)]
        for f in files:
            if f.endswith(".rs"):
                yield os.path.join(base, f)


def without_tests(text):
    """The source without its trailing `#[cfg(test)] mod tests { ... }` block and comments."""
    m = re.search(r"^#\[cfg\(test\)\]\s*\nmod \w+ \{", text, re.M)
    if m:
        text = text[: m.start()]
    text = re.sub(r"//[^\n]*", "", text)
    return text


def module_of(src, path):
    """The module path of a file under `src` (`a/b.rs` and `a/b/mod.rs` are `a::b`)."""
    rel = os.path.relpath(path, src)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    if rel in (["lib"], ["main"]):
        return ()
    if rel[0] == "bin":
        return None  # a separate binary crate
    return tuple(rel)


USE_CRATE = re.compile(r"\bcrate::((?:\{[^;]*?\})|(?:[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*))")
USE_SUPER = re.compile(r"\b((?:super::)+)([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)")


def split_group(group):
    """`{a::b, c::{d, e}}` -> ['a::b', 'c::d', 'c::e'] (enough for module resolution)."""
    inner = group.strip()[1:-1]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    out = []
    for p in parts:
        if "::{" in p:
            head, rest = p.split("::", 1)
            out += [head + "::" + q for q in split_group(rest)]
        else:
            out.append(p)
    return out


def check_sources(crate, src):
    modules = {}
    for path in rust_files(src):
        text = open(path, encoding="utf-8").read()
        lines = text.count("\n")
        shown = os.path.relpath(path)
        if lines > MAX_LINES:
            problems.append(f"{shown} has {lines} lines (more than {MAX_LINES}): split it by concept")
        code = without_tests(text)
        if crate in NO_CLOCK:
            for m in CLOCK.finditer(code):
                if crate == "tamga-core" and shown.endswith("time.rs"):
                    continue  # where `Timestamp::now` is defined, for the shells
                problems.append(f"{shown} reads the clock ({m.group(1)}): time is an argument below the shell")
            for m in SOCKET.finditer(code):
                problems.append(f"{shown} opens a socket ({m.group(1)}): only the shell does")
        mod = module_of(src, path)
        # A module of tests in its own file (`#[cfg(test)] mod tests;`) is not part of the
        # module graph, like an inline test block.
        if mod is not None and mod[-1:] != ("tests",):
            modules[mod] = code
    known = set(modules)

    def resolve(parts):
        parts = tuple(parts)
        for n in range(len(parts), 0, -1):
            if parts[:n] in known:
                return parts[:n]
        return None

    graph = {}
    for mod, code in modules.items():
        targets = set()
        for m in USE_CRATE.finditer(code):
            refs = split_group(m.group(1)) if m.group(1).startswith("{") else [m.group(1)]
            for r in refs:
                t = resolve(r.split("::"))
                if t is not None:
                    targets.add(t)
        for m in USE_SUPER.finditer(code):
            up = m.group(1).count("super::")
            # In `a/b.rs` (module a::b), `super` is `a`.
            base = mod[: len(mod) - up]
            t = resolve(base + tuple(m.group(2).split("::")))
            if t is not None:
                targets.add(t)
        for t in targets:
            # Compare as siblings under their common parent; a module and its own submodules
            # may use each other.
            common = 0
            while common < min(len(mod), len(t)) and mod[common] == t[common]:
                common += 1
            if common == len(mod) or common == len(t):
                continue
            a, b = mod[: common + 1], t[: common + 1]
            graph.setdefault(a, set()).add(b)

    # Circles among siblings.
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                circle = stack[stack.index(m):] + [m]
                problems.append(f"{crate}: modules import each other: "
                                + " -> ".join("::".join(x) for x in circle))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)


CONFLICT = re.compile(r"^(<<<<<<< |=======$|>>>>>>> )", re.M)


def check_conflict_markers():
    tracked = subprocess.run(["git", "ls-files", "-z"], capture_output=True, check=True)
    for path in tracked.stdout.decode().split("\0"):
        if not path or not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (UnicodeDecodeError, OSError):
            continue
        m = CONFLICT.search(text)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            problems.append(f"{path}:{line}: a merge conflict marker is left in")


def main():
    check_conflict_markers()
    meta = metadata()
    check_dependencies(meta)
    for p in meta["packages"]:
        if p["id"] not in meta["workspace_members"]:
            continue
        src = os.path.join(os.path.dirname(p["manifest_path"]), "src")
        if os.path.isdir(src):
            check_sources(p["name"], src)
    if problems:
        print("architecture check failed:")
        for p in problems:
            print("  - " + p)
        sys.exit(1)
    print("architecture check: every invariant holds")


if __name__ == "__main__":
    main()
