"""Static images of figures (PNG, SVG, PDF) through one persistent Kaleido/Chromium session per process.

Kaleido v1 drives a real Chromium. Starting one costs about two seconds, rendering an image in a
running one a tenth of that, so the first image starts `kaleido.start_sync_server` and every later
image in this process (a CLI export, a Streamlit server) goes through it; `render_many` draws a
batch on the session's tabs side by side. MathJax is switched off: Kaleido's default loads it from
a CDN, which stalls a render offline, and no chart uses LaTeX.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMATS = ("png", "svg", "pdf")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
NO_BROWSER = (
    "Image export (PNG, SVG, PDF) needs Chromium or Chrome: install it (e.g. `apt-get install chromium`) "
    "or set BROWSER_PATH to its executable."
)
TIMEOUT = 120.0  # seconds for one image, start included; Kaleido gives up on a render after 90
# Tabs of the one Chromium: images of a batch are drawn side by side, up to one per core.
TABS = max(1, min(4, os.cpu_count() or 1))

_LOCK = threading.Lock()  # the sync server answers one caller at a time: its reply queue is shared
_failure: list[BaseException] = []  # why the server thread died, caught by _quiet_hook


class ImagesUnavailable(RuntimeError):
    """No browser to render images with; the message says how to get one."""


def browser_path() -> str | None:
    """The Chromium/Chrome Kaleido would start ($BROWSER_PATH when set, else one on the PATH or in the
    usual places), or None when there is none."""
    try:
        from choreographer.browsers.chromium import Chromium

        path = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - a changed private API must not break exports: look ourselves
        import shutil

        path = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("google-chrome")
    return str(path) if path and Path(path).is_file() and os.access(path, os.X_OK) else None


_AVAILABLE: dict[tuple, tuple[float, bool]] = {}


def images_available() -> bool:
    """Whether images can be drawn; looked up at most once a minute for the same BROWSER_PATH and
    PATH (every chart page asks on every rerun)."""
    key = (os.environ.get("BROWSER_PATH"), os.environ.get("PATH"))
    known = _AVAILABLE.get(key)
    if known is None or time.monotonic() - known[0] > 60:
        known = _AVAILABLE[key] = (time.monotonic(), browser_path() is not None)
    return known[1]


def render(
    fig: Any, fmt: str, *, width: int | None = None, height: int | None = None, scale: float | None = None
) -> bytes:
    """The figure (a go.Figure or its dict) as PNG, SVG or PDF bytes, drawn by the shared Chromium.

    Width and height default to the figure's own (then Kaleido's 700 × 500). Raises
    ImagesUnavailable when there is no browser, RuntimeError when the browser fails.
    """
    if fmt not in FORMATS:
        raise ValueError(f"image format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if browser_path() is None:
        raise ImagesUnavailable(NO_BROWSER)
    opts = _opts(fmt, width, height, scale)
    spec = fig.to_dict() if hasattr(fig, "to_dict") else fig
    with _LOCK:
        return _call(lambda kaleido: kaleido.calc_fig_sync(spec, opts=opts), TIMEOUT)


def render_many(jobs: list[tuple[Any, str, dict]]) -> list[bytes]:
    """Several images at once, [(figure, format, {"width", "height", "scale"}), ...] -> their bytes
    in order: the session's tabs draw them side by side (`TABS` of them), which is what makes an
    export of many charts faster than one image after another."""
    if not jobs:
        return []
    for _, fmt, _ in jobs:
        if fmt not in FORMATS:
            raise ValueError(f"image format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if browser_path() is None:
        raise ImagesUnavailable(NO_BROWSER)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="factdash-images-") as folder:
        paths = [Path(folder) / f"{i}.{fmt}" for i, (_, fmt, _) in enumerate(jobs)]
        items = [
            {
                "fig": fig.to_dict() if hasattr(fig, "to_dict") else fig,
                "path": path,
                "opts": _opts(fmt, size.get("width"), size.get("height"), size.get("scale")),
            }
            for (fig, fmt, size), path in zip(jobs, paths, strict=True)
        ]
        with _LOCK:
            _call(
                lambda kaleido: kaleido.write_fig_from_object_sync(items, cancel_on_error=True),
                TIMEOUT + 10 * len(items),
            )
        return [path.read_bytes() for path in paths]


def _opts(fmt: str, width: int | None, height: int | None, scale: float | None) -> dict:
    return {"format": fmt, **{k: v for k, v in (("width", width), ("height", height), ("scale", scale)) if v}}


def stop() -> None:
    """Close the shared Chromium (the next image starts it again); also done at exit."""
    import kaleido

    with _LOCK:
        kaleido.stop_sync_server(silence_warnings=True)


def _call(job: Callable[[Any], Any], timeout: float) -> Any:
    """job(kaleido) run against the shared session (started when needed), watched: a session that
    dies or hangs is an error, never a caller waiting forever."""
    import kaleido

    if not _server_alive():
        kaleido.stop_sync_server(silence_warnings=True)  # a server whose thread died: reset its state
        _failure.clear()
        _install_quiet_hook()
        _reuse_tabs()
        kaleido.start_sync_server(n=TABS, mathjax=False, silence_warnings=True)
    done = threading.Event()
    answer: dict[str, Any] = {}

    def work() -> None:
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="The kopts argument is ignored")
                answer["image"] = job(kaleido)
        except BaseException as err:  # noqa: BLE001 - handed to the caller below
            answer["error"] = err
        finally:
            done.set()

    # The sync server waits for its answer without a timeout: a server thread that dies (a browser
    # that closes on start) would leave the caller waiting forever, so wait here and watch it.
    threading.Thread(target=work, name="factdash-kaleido-call", daemon=True).start()
    deadline = time.monotonic() + timeout
    while not done.wait(0.1):
        if not _server_alive():
            reason = _failure[0] if _failure else "it stopped"
            kaleido.stop_sync_server(silence_warnings=True)  # its thread is gone: this only resets it
            if type(reason).__name__ == "ChromeNotFoundError":
                raise ImagesUnavailable(NO_BROWSER) from None
            raise RuntimeError(f"Chromium ({browser_path()}) could not render the image: {_short(reason)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Chromium ({browser_path()}) did not render in {timeout:.0f} s")
    if "error" in answer:
        error = answer["error"]
        # Its tabs are not reloaded after each image (_reuse_tabs): after a failed one, start afresh.
        kaleido.stop_sync_server(silence_warnings=True)
        if type(error).__name__ == "ChromeNotFoundError":
            raise ImagesUnavailable(NO_BROWSER) from error
        raise RuntimeError(f"Chromium could not render the image: {_short(error)}") from error
    return answer.get("image")


# Kaleido reloads a tab's page (plotly.js, 4 MB of script to parse again) after every image, which
# took more time than drawing a chart's PNG: a tab is reloaded after this many images instead.
# Plotly.toImage draws each figure in a fresh element it purges afterwards, so an image is the same
# either way (the same bytes, tests/test_export_everything.py).
RELOAD_EVERY = 50


def _reuse_tabs() -> None:
    """Have the sync server's Kaleido reload a tab every RELOAD_EVERY images, not after each: the
    server builds `kaleido._sync_server.Kaleido`, replaced here by a subclass (only that server
    uses it; `kaleido.Kaleido` itself is left alone). A Kaleido without the method is left as it is."""
    from kaleido import _sync_server
    from kaleido.kaleido import Kaleido

    if getattr(_sync_server.Kaleido, "_factdash", False) or not hasattr(Kaleido, "_return_kaleido_tab"):
        return

    class ReusingKaleido(Kaleido):  # type: ignore[misc, valid-type]
        _factdash = True

        async def _return_kaleido_tab(self, tab: Any) -> None:
            used = getattr(tab, "_factdash_used", 0) + 1
            if used >= RELOAD_EVERY:
                await tab.reload()
                used = 0
            tab._factdash_used = used
            await self.tabs_ready.put(tab)

    _sync_server.Kaleido = ReusingKaleido


def _server_alive() -> bool:
    import kaleido

    server = getattr(kaleido, "_global_server", None)
    if server is None or not server.is_running():
        return False
    thread = getattr(server, "_thread", None)
    return thread is None or thread.is_alive()


def _install_quiet_hook() -> None:
    """Keep the reason a server thread died for our message, instead of a traceback on stderr."""
    if getattr(threading.excepthook, "_factdash", False):
        return
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        import kaleido

        server = getattr(kaleido, "_global_server", None)
        if args.thread is not None and args.thread is getattr(server, "_thread", object()):
            _failure[:] = [args.exc_value] if args.exc_value is not None else []
            return
        previous(args)

    hook._factdash = True  # type: ignore[attr-defined]
    threading.excepthook = hook


def _short(reason: object) -> str:
    if isinstance(reason, BaseException):
        text = " ".join(str(part) for part in reason.args[:1]) or type(reason).__name__
        return f"{type(reason).__name__}: {text}"[:300]
    return str(reason)[:300]
