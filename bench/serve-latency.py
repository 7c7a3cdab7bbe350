#!/usr/bin/env python3
"""Edit-to-served latency of `whosecures serve` (and `mdbook serve` where installed).

For each N, writes a synthetic knowledge base with examples/gen-kb, starts the server on a free
port on 127.0.0.1, then EDITS times: appends a unique line to one note's body and polls the
served page until the line appears. Prints median and p95 in milliseconds, the server's own
median "rebuilt ... in X ms" (the rebuild, without the watcher's debounce and the polling), and
the ratio to the peer when one ran.
--when background starts editing 0.5 s after the server prints its address, while it still
renders pages in the background (at 10,000 notes); --when idle waits first for its line
"rendered N pages" and then until its CPU time stops moving; --when both does one, then the other.
--bin PATH (repeatable) measures those binaries instead of target/release/whosecures, taking turns
for --runs rounds on the same corpus.
--edit body (the default) appends to a glossary term's body; --edit row rewrites the note of a
service's first responsibility row instead (front matter: the service's row shows on its page, on
a part of the layer's page and in the matrix), and polls the service's page; --edit title
retitles the glossary term (its page, its neighbours, its linkers, its section's index; before
nav.js, in a section of 80 notes or fewer, every page).
Usage: bench/serve-latency.py [--sizes 1000,10000] [--edits 25] [--peers] [--when W] [--bin P]...
Every request goes to 127.0.0.1; every loop is bounded by a deadline.
"""
import argparse, http.client, os, re, shutil, statistics, subprocess, sys, tempfile, time

from serve_start import start

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "whosecures")
GEN = os.path.join(ROOT, "target", "release", "examples", "gen-kb")


def fetch(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().read().decode("utf-8", "replace")
    except OSError:
        return ""
    finally:
        conn.close()


ROW_NOTE = re.compile(r'^(note = ")[^"\n]*(")', re.M)
TITLE = re.compile(r'^(title = ")[^"\n]*(")', re.M)


def measure(port, note_path, url_path, edits, deadline_s=10.0, edit="body"):
    samples = []
    for i in range(edits):
        marker = f"latency-marker-{i}-{time.time_ns()}"
        if edit in ("row", "title"):
            with open(note_path, encoding="utf-8") as f:
                text = f.read()
            if edit == "row":
                text, found = ROW_NOTE.subn(
                    lambda m: f"{m.group(1)}Row note {marker}.{m.group(2)}", text, count=1)
            else:
                text, found = TITLE.subn(lambda m: f"{m.group(1)}Term {marker}{m.group(2)}",
                                         text, count=1)
            if not found:
                raise SystemExit(f"{note_path}: no {edit} to edit")
            with open(note_path, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            with open(note_path, "a", encoding="utf-8") as f:
                f.write(f"\n{marker}\n")
        start = time.perf_counter()
        while marker not in fetch(port, url_path):
            if time.perf_counter() - start > deadline_s:
                raise SystemExit(f"edit {i}: page did not change within {deadline_s}s")
            time.sleep(0.0005)
        samples.append((time.perf_counter() - start) * 1000)
        time.sleep(0.05)  # let the server settle between edits, as between real saves
    return samples


def summary(name, n, samples, rebuilt=None):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    med = statistics.median(samples)
    own = f"   server's rebuild median {statistics.median(rebuilt):6.1f} ms" if rebuilt else ""
    print(f"{name:10} N={n:6}  median {med:7.1f} ms   p95 {p95:7.1f} ms   ({len(samples)} edits){own}",
          flush=True)
    return med


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(proc, lines, deadline_s=600):
    """Until the server said every page is rendered and its CPU time stopped moving for 1 s."""
    start = time.time()
    while not any("rendered" in l and "pages in" in l for l in lines):
        if time.time() - start > deadline_s or proc.poll() is not None:
            raise SystemExit("the server did not finish its background rendering")
        time.sleep(0.1)
    last, since = cpu(proc.pid), time.time()
    while time.time() - since < 1.0:
        if time.time() - start > deadline_s:
            raise SystemExit("the server stayed busy")
        time.sleep(0.25)
        now = cpu(proc.pid)
        if now - last > 0.02:
            since = time.time()
        last = now


REBUILT = re.compile(r"rebuilt \d+ pages? in ([0-9.]+) ms")


def whosecures(binary, kb, n, work, edits, idle, edit="body"):
    """(edit-to-served samples, the server's own rebuild times) for one server run."""
    lines = []
    proc, port = start([binary, "serve", "-k", kb, "-p", "0"], work, 600,
                       stderr=subprocess.STDOUT, lines=lines)
    if not proc:
        raise SystemExit("whosecures serve did not start")
    try:
        note = "glossary/term-00032.md" if n > 32 else "layers/layer-00.md"
        if edit == "row":
            note = "services/" + sorted(os.listdir(os.path.join(kb, "services")))[0]
        if idle:
            wait_idle(proc, lines)
        else:
            time.sleep(0.5)
        seen = len(lines)
        samples = measure(port, os.path.join(kb, note), "/" + note.replace(".md", ".html"), edits,
                          60.0, edit=edit)
        time.sleep(0.2)
        rebuilt = [float(m.group(1)) for l in lines[seen:] for m in [REBUILT.search(l)] if m]
        return samples, rebuilt
    finally:
        proc.terminate()
        proc.wait()


def mdbook(n, work, edits):
    exe = shutil.which("mdbook")
    if not exe:
        return None
    kb = os.path.join(work, f"kb{n}")
    book = os.path.join(work, f"book{n}")
    os.makedirs(os.path.join(book, "src"), exist_ok=True)
    with open(os.path.join(book, "book.toml"), "w") as f:
        f.write("[book]\ntitle = \"bench\"\n[output.html]\n")
    summary_lines = ["# Summary\n"]
    for folder in sorted(os.listdir(kb)):
        path = os.path.join(kb, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            text = open(os.path.join(path, name), encoding="utf-8").read().split("+++", 2)[-1]
            text = re.sub(r"\[\[([^\]|#]+)[^\]]*\]\]", r"\1", text)
            out = f"{folder}-{name}"
            with open(os.path.join(book, "src", out), "w", encoding="utf-8") as f:
                f.write(f"# {name}\n{text}")
            summary_lines.append(f"- [{name}]({out})\n")
    with open(os.path.join(book, "src", "SUMMARY.md"), "w") as f:
        f.writelines(summary_lines)
    import socket
    with socket.socket() as s:  # mdbook has no "port 0": pick a free one ourselves
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    proc, port = start([exe, "serve", "-n", "127.0.0.1", "-p", str(free)], book, 600,
                       stderr=subprocess.STDOUT)
    if not proc:
        return None
    try:
        deadline = time.time() + 600
        page = "/glossary-term-00032.html"
        while "term-00032" not in fetch(port, page):
            if time.time() > deadline:
                return None
            time.sleep(0.2)
        time.sleep(3)  # mdbook starts watching only after its first build: do not edit before
        return measure(port, os.path.join(book, "src", "glossary-term-00032.md"), page, edits, 60)
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--edits", type=int, default=25)
    ap.add_argument("--peers", action="store_true", help="also run mdbook serve (N <= 1000 only)")
    ap.add_argument("--when", choices=["background", "idle", "both"], default="background")
    ap.add_argument("--bin", action="append", default=[], help="binary to measure (repeatable)")
    ap.add_argument("--runs", type=int, default=1, help="rounds of the binaries taking turns")
    ap.add_argument("--edit", choices=["body", "row", "title"], default="body",
                    help="what each edit changes: a glossary body, a service's row note, or a "
                         "glossary title")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--examples", "--bins"], cwd=ROOT, check=True)
    bins = args.bin or [BIN]
    phases = {"background": [False], "idle": [True], "both": [False, True]}[args.when]
    with tempfile.TemporaryDirectory() as work:
        for n in [int(s) for s in args.sizes.split(",")]:
            kb = os.path.join(work, f"kb{n}")
            subprocess.run([GEN, str(n), kb], check=True, stderr=subprocess.DEVNULL)
            for idle in phases:
                for run in range(args.runs):
                    for binary in bins:
                        samples, rebuilt = whosecures(binary, kb, n, work, args.edits, idle,
                                                      args.edit)
                        name = os.path.basename(binary) if len(bins) > 1 else "whosecures"
                        when = "idle" if idle else "background"
                        print(f"run {run + 1} {when:10}", end=" ")
                        ours = summary(name, n, samples, rebuilt)
            if args.peers and n <= 1000:
                peer = mdbook(n, work, args.edits)
                if peer:
                    theirs = summary("mdbook", n, peer)
                    print(f"{'':10} mdbook / whosecures median ratio: {theirs / ours:.1f}x")
                else:
                    print("mdbook     not installed or did not start; no peer figure")


if __name__ == "__main__":
    sys.exit(main())
