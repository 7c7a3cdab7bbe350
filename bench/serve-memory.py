#!/usr/bin/env python3
"""Start-up time and memory of `whosecures serve` on a large knowledge base.

For each run, starts `BIN serve -k KB -p PORT` (PORT found free first), polls `GET /` on
127.0.0.1 from the moment the process starts until the home page is served whole, and reads
`/proc/PID/status` then (VmRSS at the first page). It then waits until the server is idle (its CPU
time moves by less than 20 ms in a second: the pages rendered in the background are done) and
reads VmRSS again and VmHWM (the peak). Binaries given with --bin alternate run by run.
Usage: bench/serve-memory.py KB [--bin PATH]... [--runs 3] [--gzip] [--open N]
(--gzip asks for the first page with `Accept-Encoding: gzip`, as a browser does. --open N then
opens N note pages spread over the site's sitemap, one after the other as a reader would, timing
each from request to last byte, and reads VmRSS again once the server is idle: a preview renders
a note's page when it is first asked for. --open all opens every note page.)
Every request goes to 127.0.0.1; every loop is bounded by a deadline.
"""
import argparse, http.client, os, re, socket, statistics, subprocess, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "whosecures")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, gzip):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "gzip"} if gzip else {})
        r = conn.getresponse()
        return r.status, r.read()
    except OSError:
        return None, b""
    finally:
        conn.close()


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024  # MB
    return fields


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid, start, deadline, binary):
    last, idle_since = cpu(pid), time.perf_counter()
    while time.perf_counter() - idle_since < 1.0:
        if time.perf_counter() - start > deadline:
            raise SystemExit(f"{binary}: still busy after {deadline}s")
        time.sleep(0.25)
        now = cpu(pid)
        if now - last > 0.02:
            idle_since = time.perf_counter()
        last = now


NOTE_FOLDERS = ("services/", "practices/", "glossary/", "security-services/")


def note_pages(port, count):
    code, body = get(port, "/sitemap.xml", False)
    if code != 200:
        raise SystemExit("no sitemap.xml to pick note pages from")
    urls = [u for u in re.findall(r"<loc>([^<]+)</loc>", body.decode())
            if u.startswith(NOTE_FOLDERS) and u.count("/") == 1 and not u.endswith("index.html")]
    if count != "all" and int(count) < len(urls):
        step = len(urls) / int(count)
        urls = [urls[int(i * step)] for i in range(int(count))]
    return urls


def run(binary, kb, gzip, deadline=300, opens=None):
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "serve", "-k", kb, "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if time.perf_counter() - start > deadline:
                raise SystemExit(f"{binary}: no first page within {deadline}s")
            code, body = get(port, "/", gzip)
            if code == 200 and len(body) > 0:
                break
            time.sleep(0.005)
        first = time.perf_counter() - start
        at_first = status(proc.pid)["VmRSS"]
        wait_idle(proc.pid, start, deadline, binary)
        settled = status(proc.pid)
        idle_after = time.perf_counter() - start
        opened = None
        if opens:
            times = []
            for url in note_pages(port, opens):
                t = time.perf_counter()
                code, body = get(port, "/" + url, gzip)
                if code != 200 or not body:
                    raise SystemExit(f"{binary}: {url} answered {code}")
                times.append((time.perf_counter() - t) * 1000)
            wait_idle(proc.pid, time.perf_counter(), deadline, binary)
            times.sort()
            opened = (len(times), statistics.median(times), times[int(len(times) * 0.95)],
                      status(proc.pid)["VmRSS"], status(proc.pid)["VmHWM"])
        return first, at_first, settled["VmRSS"], settled["VmHWM"], idle_after, opened
    finally:
        proc.terminate()
        proc.wait()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kb")
    p.add_argument("--bin", action="append")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--gzip", action="store_true")
    p.add_argument("--open", default=None)
    args = p.parse_args()
    bins = args.bin or [BIN]
    results = {b: [] for b in bins}
    for i in range(args.runs):
        for b in bins:
            r = run(b, args.kb, args.gzip, opens=args.open)
            results[b].append(r)
            print(f"run {i + 1} {b}: first page {r[0]:.2f} s, RSS {r[1]:.0f} MB; "
                  f"idle after {r[4]:.1f} s at RSS {r[2]:.0f} MB, peak {r[3]:.0f} MB", flush=True)
            if r[5]:
                n, median, p95, rss, peak = r[5]
                print(f"  opened {n} note pages: median {median:.1f} ms, p95 {p95:.1f} ms; "
                      f"then RSS {rss:.0f} MB, peak {peak:.0f} MB", flush=True)
    for b, rs in results.items():
        med = lambda k: statistics.median(r[k] for r in rs)
        print(f"{b}: median first page {med(0):.2f} s, RSS at first page {med(1):.0f} MB, "
              f"idle {med(4):.1f} s, RSS idle {med(2):.0f} MB, peak {med(3):.0f} MB")
        if rs[0][5]:
            o = lambda k: statistics.median(r[5][k] for r in rs)
            print(f"{b}: opened {rs[0][5][0]} note pages: median {o(1):.1f} ms, p95 {o(2):.1f} "
                  f"ms; then RSS {o(3):.0f} MB, peak {o(4):.0f} MB")


if __name__ == "__main__":
    main()
