#!/usr/bin/env python3
"""`whosecures serve` under load: WAITERS browsers parked on the reload long-poll while wrk
(Debian package `wrk`) hammers pages, then one edit must wake every waiter.

Prints wrk's requests/s, socket errors, non-2xx replies and latency percentiles, and how many
waiters woke. Usage: bench/serve-load.py [--waiters 500] [--connections 100] [--seconds 10] [--bin PATH]
Everything runs on 127.0.0.1.
"""
import argparse, os, re, shutil, socket, subprocess, sys, tempfile, time

from serve_start import start

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "whosecures")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--waiters", type=int, default=500)
    ap.add_argument("--connections", type=int, default=100)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--bin", help="binary to run (default: build and run target/release)")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")
    binary = os.path.abspath(args.bin) if args.bin else BIN
    if not args.bin:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bins"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([binary, "init", work], check=True, stdout=subprocess.DEVNULL)
        proc, port = start([binary, "serve", "-p", "0"], work)
        if proc is None:
            sys.exit("server did not start")
        try:
            page = fetch(port, "/services/s3.html")
            since = int(re.search(r'data-generation="(\d+)"', page).group(1))
            waiters = []
            for _ in range(args.waiters):
                s = socket.create_connection(("127.0.0.1", port), timeout=60)
                s.sendall(f"GET /__whosecures/wait?since={since} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Connection: close\r\n\r\n".encode())
                waiters.append(s)
            out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s",
                                  "--latency", f"http://127.0.0.1:{port}/services/s3.html"],
                                 capture_output=True, text=True, check=True).stdout
            print(out.strip())
            note = os.path.join(work, "knowledge", "services", "s3.md")
            with open(note, "a", encoding="utf-8") as f:
                f.write("\nload-test edit\n")
            edited = time.perf_counter()
            woke = 0
            for s in waiters:
                data = b""
                try:
                    while chunk := s.recv(65536):
                        data += chunk
                except OSError:
                    pass
                s.close()
                woke += data.startswith(b"HTTP/1.1 200") and b'"generation"' in data
            took = (time.perf_counter() - edited) * 1000
            print(f"waiters: {woke}/{len(waiters)} woke with the new generation "
                  f"({took:.0f} ms after the edit for all of them)")
            if woke != len(waiters):
                sys.exit(1)
        finally:
            proc.terminate()
            proc.wait()


def fetch(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    return data.decode("utf-8", "replace")


if __name__ == "__main__":
    main()
