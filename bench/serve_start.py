"""Starting a preview server for the serve benchmarks (serve-attack.py, serve-load.py,
serve-latency.py): runs the command, waits for the line naming its 127.0.0.1 address, then drains
its output in the background so the server never blocks on a full pipe."""
import re, subprocess, threading, time

ADDRESS = r"127\.0\.0\.1:(\d+)"


def start(cmd, cwd, timeout=120, pattern=ADDRESS, stderr=subprocess.DEVNULL):
    """(process, port) once the server printed its address; (None, None), the process killed,
    when it exits or `timeout` seconds pass first."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=stderr, text=True)
    end = time.time() + timeout
    while time.time() < end:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(pattern, line)
        if m:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, int(m.group(1))
    proc.kill()
    proc.wait()
    return None, None
