"""A real `factdash serve` on loopback and a real Chromium for browser tests.

Chromium is Debian's (`chromium` on the PATH, or $CHROMIUM); Playwright never downloads one.
Without it the browser tests skip with a message, except under CI=true where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    path = chromium_path()
    if path:
        return path
    message = "Chromium not found: install Debian's chromium (apt-get install -y chromium) or set $CHROMIUM"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(
    facts: Path | None = None,
    *,
    env: dict | None = None,
    timeout: float = 90,
    host: str | None = None,
    factdash: list[str] | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
):
    """Start `factdash serve` on a free loopback port; yield its base URL; stop it afterwards.
    `host` is given to `--host` (left out by default, so the server's own default is tested).
    `factdash` is the command to run (default: this checkout's, `python -m dashboard.cli`; e.g. an
    installed `<venv>/bin/factdash`), `cwd` the folder it starts in (default: this one), `log` the
    file its output goes to (default: $TMPDIR/factdash-serve-PORT.log). `env` is laid over
    os.environ; a value of None there removes that variable."""
    port = free_port()
    command = [*(factdash or [sys.executable, "-m", "dashboard.cli"]), "serve", "--port", str(port)]
    if facts is not None:
        command += ["--facts", str(facts)]
    if host is not None:
        command += ["--host", host]
    environment = {key: value for key, value in {**os.environ, **(env or {})}.items() if value is not None}
    log = open(log or Path(os.environ.get("TMPDIR", "/tmp")) / f"factdash-serve-{port}.log", "w+")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=cwd)
    url = f"http://{host or '127.0.0.1'}:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"factdash serve did not start:\n{log.read()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def browser():
    """A headless Debian Chromium driven by Playwright, with no network beyond loopback."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield instance
        finally:
            instance.close()
