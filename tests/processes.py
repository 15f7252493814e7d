"""The portal in child processes, for the tests and for bench/: `manage.py` and a gunicorn server.

- `clean_environ(**extra)`: this process's environment less every variable the settings read.
- `manage(*args, env=...)`: run `manage.py args` and return the finished process (output as text).
- `free_port()`: a TCP port on the loopback interface that nothing listens on now.
- `LiveServer(env, port)`: gunicorn serving `portal.wsgi`, returned once it answers; always stopped
  (a context manager, or `stop()`).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"


def clean_environ(**extra):
    """The environment less every setting the portal reads (DJANGO_*, PORTAL_*, DATABASE_URL),
    plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PORTAL_")) and key != "DATABASE_URL"
    }
    env.update(extra)
    return env


def manage(*args, env, timeout=300, capture=True):
    """Run `manage.py args` from the project folder with `env`; return the CompletedProcess
    (stdout and stderr as text unless `capture` is false, then they go to this terminal)."""
    return subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=capture,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class LiveServer:
    """gunicorn serving portal.wsgi on 127.0.0.1:`port` with `env`, ready once `ready_path` answers
    (any HTTP status: an error page is still a server that is up).

    Output goes to `log_path` (read it back with `log_text()`) or, without one, to this terminal.
    Raises RuntimeError, with the log's end, when the server exits or does not answer in time."""

    def __init__(self, env, port, workers=2, log_path=None, ready_path="/healthz", ready_seconds=60, args=()):
        self.port, self.log_path = port, log_path
        self.base_url = f"http://{HOST}:{port}"
        self.log = open(log_path, "w") if log_path else None
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{HOST}:{port}"]
            + ["--workers", str(workers), "--timeout", "60", *args],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT if self.log else None,
            stdin=subprocess.DEVNULL,
        )
        try:
            self._wait_until_up(ready_path, ready_seconds)
        except BaseException:
            self.stop()
            raise

    def _wait_until_up(self, path, seconds):
        deadline = time.monotonic() + seconds
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.process.returncode}:\n{self.log_text()[-4000:]}")
            try:
                urllib.request.urlopen(self.base_url + path, timeout=30).close()
                return
            except urllib.error.HTTPError:
                return
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    where = self.log_text()[-4000:] or f"no log; see {self.log_path or 'the terminal'}"
                    raise RuntimeError(
                        f"gunicorn did not answer on {self.base_url} in {seconds} s:\n{where}"
                    ) from None
                time.sleep(0.1)

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log:
            self.log.close()

    def log_text(self):
        if not self.log_path:
            return ""
        if self.log and not self.log.closed:
            self.log.flush()
        return Path(self.log_path).read_text(errors="replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
