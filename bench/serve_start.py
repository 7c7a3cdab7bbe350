"""Starting a preview server for the serve benchmarks (serve-attack.py, serve-load.py,
serve-latency.py): runs the command, waits for the line naming its 127.0.0.1 address, then drains
its output in the background so the server never blocks on a full pipe."""
import re, subprocess, threading, time

ADDRESS = r"127\.0\.0\.1:(\d+)"


def start(cmd, cwd, timeout=120, pattern=ADDRESS, stderr=subprocess.DEVNULL, lines=None):
    """(process, port) once the server printed its address; (None, None), the process killed,
    when it exits or `timeout` seconds pass first. With `lines` (a list), every later line of
    its output is appended to it as it comes."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=stderr, text=True)
    end = time.time() + timeout
    while time.time() < end:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(pattern, line)
        if m:
            sink = lines if lines is not None else []
            keep = lines is not None
            threading.Thread(target=lambda: [sink.append(l) if keep else None for l in proc.stdout],
                             daemon=True).start()
            return proc, int(m.group(1))
    proc.kill()
    proc.wait()
    return None, None
