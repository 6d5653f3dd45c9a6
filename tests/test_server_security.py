"""The server as a stranger meets it: where it listens, what it refuses (requests without an XSRF
token, uploads, requests and websockets under a Host name not its own), the headers it sends
(Content-Security-Policy, X-Frame-Options, nosniff) and who may frame it, what it never sends home,
and that no address, query string or path makes it read a file outside the fact base or write a
file anywhere.

Each test runs a real `factdash serve` (tests/serving.py); the page tests use a real Chromium."""

from __future__ import annotations

import base64
import http.client
import http.server
import os
import re
import socket
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from .conftest import MINIMAL
from .serving import serve

PASSWD = "root:x:0:0"  # the first line of /etc/passwd on every Linux this runs on
SECRET = "SECRET-3f9a1c-never-served"  # in a YAML file beside the fact base's folder, outside it
TITLE = "Payload-free base for the server tests"
FACTS = (
    MINIMAL.replace("schema_version: 1\n", f"schema_version: 1\ndescription: {TITLE}\n")
    + """\
facts:
  - {id: nk-us, metric: nk-casualties, value: 1200, as_of: 2025-01-09, claimant: us-officials, source: rep,
     quote: "about 1,200 casualties"}
  - {id: nk-z, metric: nk-casualties, value: 4000, as_of: 2025-01-10, claimant: zelenskyy, source: rep,
     quote: "4,000 casualties"}
  - {id: pkg, metric: us-package, value: 500000000, as_of: 2025-01-09, claimant: us-officials, source: rep}
"""
)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """tmp/base/facts.yaml, and a secret file in tmp/ beside the folder: the one a traversal would reach."""
    root = tmp_path_factory.mktemp("served")
    (root / "base").mkdir()
    (root / "base" / "facts.yaml").write_text(FACTS, encoding="utf-8")
    (root / "secret.yaml").write_text(f"schema_version: 1\ndescription: {SECRET}\n", encoding="utf-8")
    return root / "base" / "facts.yaml"


@pytest.fixture(scope="module")
def server(base, tmp_path_factory):
    """One server on the base with its own empty working folder; yields (url, working folder)."""
    cwd = tmp_path_factory.mktemp("server-cwd")
    before = os.getcwd()
    os.chdir(cwd)  # the server inherits it: a file written "here" would land where the test can see it
    try:
        with serve(base) as url:
            yield url, cwd
    finally:
        os.chdir(before)


def listening(port: int) -> set[str]:
    """The addresses a socket listens on at `port`, from the kernel's own tables (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(_address(address))
    return found


def _address(hexed: str) -> str:
    """/proc/net/tcp's address: 32-bit words in host (little-endian) byte order."""
    words = [bytes.fromhex(hexed[i : i + 8])[::-1] for i in range(0, len(hexed), 8)]
    raw = b"".join(words)
    if len(raw) == 4:
        return ".".join(str(b) for b in raw)
    return ":".join(raw[i : i + 2].hex() for i in range(0, 16, 2))


def port_of(url: str) -> int:
    return urlsplit(url).port


def test_listens_on_loopback_only_by_default(server):
    url, _ = server
    assert listening(port_of(url)) == {"127.0.0.1"}


def test_host_option_changes_the_address(base):
    # 127.0.0.2 is loopback too (the whole of 127/8 is): --host is shown to be obeyed without
    # opening a port to the network.
    with serve(base, host="127.0.0.2") as url:
        assert listening(port_of(url)) == {"127.0.0.2"}
        with pytest.raises(OSError):
            http.client.HTTPConnection("127.0.0.1", port_of(url), timeout=5).request("GET", "/_stcore/health")


def test_serve_command_line_sets_the_protections(monkeypatch, base):
    """What cmd_serve hands to Streamlit (the behaviour is tested on the running server below)."""
    from dashboard import cli

    seen = {}

    def execve(path, argv, env):  # noqa: ANN001 - os.execve's signature
        seen.update(argv=argv, env=env)

    monkeypatch.setattr(os, "execve", execve)
    assert cli.main(["serve", "--facts", str(base), "--port", "9"]) == 0
    argv = seen["argv"]
    assert Path(argv[argv.index("run") + 1]).name == "server.py"  # the st.App with the Host check and headers
    flags = argv[argv.index("run") + 2 : argv.index("--")]
    options = dict(zip(flags[::2], flags[1::2], strict=True))
    assert options["--server.address"] == "127.0.0.1"
    assert options["--server.enableXsrfProtection"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    assert options["--server.maxUploadSize"] == "0"
    assert options.get("--server.enableStaticServing", "false") == "false"
    assert seen["env"]["FACTDASH_FACTS"] == str(base.resolve())
    assert argv[argv.index("--") + 1 :] == []  # no host beyond the served address's, no framing
    extra = ["--allow-host", "a.example", "--allow-host", "b.example", "--allow-embedding"]
    cli.main(["serve", "--facts", str(base), *extra])
    argv = seen["argv"]
    assert argv[argv.index("--") + 1 :] == extra  # handed to dashboard/app/server.py as its own options


def _request(url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """A raw request: http.client sends `path` exactly as written (no ../ or %2f folding)."""
    connection = http.client.HTTPConnection("127.0.0.1", port_of(url), timeout=20)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _multipart(size: int) -> tuple[bytes, dict]:
    boundary = "factdash-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
            f"Content-Type: text/plain\r\n\r\n"
        ).encode()
        + b"x" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_upload_without_xsrf_token_is_refused(server):
    # With XSRF protection off, the same request would get past the token check to "invalid session" (400).
    url, cwd = server
    body, headers = _multipart(1024)
    status, answer = _request(url, "PUT", "/_stcore/upload_file/some-session/some-file", body, headers)
    assert status == 403 and b"XSRF" in answer


# Anything a page might ask of a path: the query parameters the app binds (set to paths and garbage),
# and names an attacker would guess (facts, path, file, config).
def _hostile_queries(secret: Path) -> list[str]:
    relative = "../" * 12 + str(secret).lstrip("/")
    bound = [
        "category",
        "claimant",
        "party",
        "kind",
        "publisher",
        "source",
        "asof",
        "group",
        "agreeing",
        "metric",
        "log",
        "beside",
        "currency",
        "checks",
        "q",
        "page",
        "check-text",
        "check-as-of",
        "finding",  # read, not bound: Data quality's link to the facts of one finding
    ]
    guessed = ["facts", "path", "file", "config", "FACTDASH_FACTS", "include", "url"]
    values = [
        "/etc/passwd",
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "file:///etc/passwd",
        str(secret),
        relative,
        "\x00/etc/passwd",
        "A" * 300,
        "<script>window.__xss=1</script>",
        "%",
        "{{7*7}}",
    ]
    queries = []
    for index, value in enumerate(values):
        names = bound + guessed
        # Each value goes into every parameter at once (and once more under each name, repeated).
        query = "&".join(f"{name}={quote(value, safe='')}" for name in names)
        queries.append(
            query + "&" + "&".join(f"{name}={quote(values[(index + 1) % len(values)], safe='')}" for name in names[:4])
        )
    return queries


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and modification time: any write shows."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


PAGES = {
    "": "Who says what",
    "compare": "Compare conflicting figures",
    "timelines": "How the figures moved",
    "aid": "Aid: packages",
    "sources": "Sources and their words",
    "quality": "Data quality",
}


def _page_text(page) -> str:
    return page.evaluate(
        "() => document.body.innerText + ' ' + [...document.querySelectorAll('svg text')]"
        ".map(t => t.textContent).join(' ')"
    )


@pytest.mark.browser
def test_hostile_query_strings_show_the_normal_page(server, base, chromium):
    url, cwd = server
    secret = base.parent.parent / "secret.yaml"
    before = {"base": _tree(base.parent), "cwd": _tree(cwd), "secret": _tree(secret.parent)}
    queries = _hostile_queries(secret)
    page = chromium.new_page(viewport={"width": 1300, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    for number, (path, heading) in enumerate(PAGES.items()):
        # Each query goes to one page (every query names every parameter), so each value is tried once.
        for query in queries[number :: len(PAGES)]:
            page.goto(f"{url}/{path}?{query}", wait_until="domcontentloaded")
            page.get_by_text(heading).first.wait_for(timeout=60_000)
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
            text = _page_text(page)
            assert PASSWD not in text and SECRET not in text, f"/{path}?{query[:120]} shows a file's content"
            assert "Traceback" not in text and "Error:" not in text, f"/{path}?{query[:120]}: {text[:500]}"
            # The configured fact base is the one shown: its claimants are in the sidebar's filter.
            page.locator("[data-testid='stSidebar']").get_by_text("Claimant (who says it)").wait_for(timeout=10_000)
            assert page.evaluate("() => window.__xss") is None
    page.close()
    assert not errors, errors
    time.sleep(1)  # anything the last rerun would write, written
    after = {"base": _tree(base.parent), "cwd": _tree(cwd), "secret": _tree(secret.parent)}
    assert after == before


TRAVERSALS = [
    "/media/../../etc/passwd",
    "/media/..%2f..%2fetc%2fpasswd",
    "/media/%2e%2e/%2e%2e/etc/passwd",
    "/app/static/..%2f..%2fetc/passwd",
    "/app/static/../../../../etc/passwd",
    "/app/static/%2e%2e%2f%2e%2e%2fetc/passwd",
    "/_stcore/../../etc/passwd",
    "/_stcore/..%2f..%2f..%2fetc%2fpasswd",
    "/_stcore/static/..%2f..%2fetc/passwd",
    "/static/../../../../etc/passwd",
    "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/component/..%2f..%2fetc%2fpasswd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "//etc/passwd",
    "/etc/passwd",
    "/media/%252e%252e/%252e%252e/etc/passwd",
    "/_stcore/upload_file/..%2f..%2fetc/passwd",
    "/media/..%5c..%5c..%5cetc%5cpasswd",
    "/app/static/..\\..\\..\\etc\\passwd",
]


def test_static_and_media_paths_never_leave_their_folders(server, base):
    url, cwd = server
    secret = base.parent.parent / "secret.yaml"
    up = "..%2f" * 14
    paths = TRAVERSALS + [
        f"/{prefix}/{up}{quote(str(target).lstrip('/'), safe='')}"
        for prefix in ("media", "app/static", "static", "component", "_stcore")
        for target in (secret, base)
    ]
    before = {"base": _tree(base.parent), "cwd": _tree(cwd)}
    statuses = {}
    for path in paths:
        for method in ("GET", "HEAD"):
            status, body = _request(url, method, path)
            statuses[path] = status
            assert PASSWD.encode() not in body and SECRET.encode() not in body, path
            assert b"nk-casualties" not in body, f"{path} serves the fact file itself"
            assert status < 500, f"{path}: {status}"
    assert _tree(base.parent) == before["base"] and _tree(cwd) == before["cwd"]
    # At least the plain traversals are refused outright rather than answered with the app's page.
    assert statuses["/media/../../etc/passwd"] >= 400 and statuses["/app/static/..%2f..%2fetc/passwd"] >= 400


@pytest.mark.browser
def test_usage_stats_off_and_uploads_refused_in_a_real_session(server, chromium):
    """The page's own session: its config says no usage statistics, nothing goes to a third party
    but Streamlit's icon font, and an upload with a valid XSRF token and session is still refused."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    url, cwd = server
    page = chromium.new_page()
    sessions: list[tuple[str, bool]] = []
    hosts: set[str] = set()

    def watch(socket) -> None:  # noqa: ANN001 - a Playwright WebSocket
        def frame(payload: bytes | str) -> None:
            if isinstance(payload, (bytes, bytearray)):
                message = ForwardMsg()
                message.ParseFromString(bytes(payload))
                if message.HasField("new_session"):
                    new = message.new_session
                    sessions.append((new.initialize.session_id, new.config.gather_usage_stats))

        socket.on("framereceived", frame)

    page.on("websocket", watch)
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or request.url[:5]))
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text(TITLE).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1_000)
    assert sessions, "no NewSession message seen on the WebSocket"
    session_id, gather = sessions[0]
    assert gather is False
    # fonts.gstatic.com: Streamlit's frontend fetches Material icon glyphs it does not bundle.
    assert hosts <= {"127.0.0.1", "fonts.gstatic.com", "data:", "blob:"}, hosts
    upload = """async ([session, size]) => {
      const token = decodeURIComponent((document.cookie.match(/_streamlit_xsrf=([^;]+)/) || [, ''])[1]);
      const form = new FormData();
      form.append('file', new Blob(['x'.repeat(size)]), 'a.txt');
      const answer = await fetch(`/_stcore/upload_file/${session}/f-${size}`,
                                 {method: 'PUT', body: form, headers: {'X-Xsrftoken': token}});
      return [answer.status, token.length];
    }"""
    status, token = page.evaluate(upload, [session_id, 1024])
    assert token > 0, "the page has no XSRF cookie: XSRF protection is off"
    assert status == 413  # the route's size limit (0 MB), reached only past the token and session checks
    # A wrong token is refused before any of that.
    wrong = page.evaluate(
        """async (session) => (await fetch(`/_stcore/upload_file/${session}/f`,
        {method: 'PUT', body: new FormData(), headers: {'X-Xsrftoken': '2|00|00|0'}})).status""",
        session_id,
    )
    assert wrong == 403
    page.close()
    assert not [p for p in cwd.rglob("*")], "the server wrote into its working folder"


def test_listening_reads_the_kernel_table_format():
    # The decoder of /proc/net/tcp's addresses, on the kernel's own examples (little-endian words).
    assert _address("0100007F") == "127.0.0.1" and _address("00000000") == "0.0.0.0"
    assert _address("00000000000000000000000001000000") == "0000:0000:0000:0000:0000:0000:0000:0001"


# The Host check and the security headers (dashboard/app/server.py: an st.App whose middleware is
# Starlette's TrustedHostMiddleware and a header setter, in front of all of Streamlit's routes).

EVIL = "evil.example"
# Names a DNS rebinding page (or a typo) would send; none is the served address's.
FOREIGN_HOSTS = [
    EVIL,
    f"{EVIL}:{{port}}",
    "localhost.evil.example:{port}",
    "127.0.0.1.evil.example",
    "0.0.0.0:{port}",
    "[::2]:{port}",
    "",
]
OWN_HOSTS = ["localhost:{port}", "localhost", "LocalHost:{port}", "127.0.0.1:{port}", "127.0.0.1", "[::1]:{port}"]


def _get(url: str, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET `path` with `host` as the Host header (default: the server's own address and port)."""
    connection = http.client.HTTPConnection("127.0.0.1", port_of(url), timeout=20)
    try:
        connection.request("GET", path, headers={} if host is None else {"Host": host})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def _handshake(url: str, host: str, origin: str) -> tuple[int, dict[str, str]]:
    """A browser's websocket handshake to /_stcore/stream, sent raw (so Host is exactly `host`):
    the status and headers of the answer (101 when the websocket is opened)."""
    request = [
        "GET /_stcore/stream HTTP/1.1",
        f"Host: {host}",
        f"Origin: {origin}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: streamlit",
    ]
    with socket.create_connection(("127.0.0.1", port_of(url)), timeout=20) as connection:
        connection.sendall(("\r\n".join(request) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    status_line, *lines = answer.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    return int(status_line.split()[1]), {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}


def _asset(url: str) -> str:
    """The path of the page's main script, a static asset."""
    _, _, page = _get(url, "/")
    return "/" + re.search(rb'<script type="module" crossorigin src="\./([^"]+)"', page)[1].decode()


def test_a_foreign_host_header_is_refused_on_every_route(server):
    url, _ = server
    port = port_of(url)
    for path in ["/", "/compare", "/_stcore/health", "/_stcore/host-config", _asset(url)]:
        for host in FOREIGN_HOSTS:
            status, _, body = _get(url, path, host.format(port=port))
            assert status == 400, f"{path} with Host {host!r}: {status}"
            assert b"nk-casualties" not in body and b"<script" not in body
        for host in OWN_HOSTS:
            status, _, _ = _get(url, path, host.format(port=port))
            assert status == 200, f"{path} with Host {host!r}: {status}"


def test_a_websocket_from_a_rebound_name_is_refused(server):
    # DNS rebinding: evil.example's page, its name now resolving to 127.0.0.1, opens the stream. Its
    # Origin matches its Host, so Streamlit's own same-origin check lets it through; the Host check must not.
    url, _ = server
    port = port_of(url)
    for host in (EVIL, f"{EVIL}:{port}"):
        status, headers = _handshake(url, host, f"http://{host}")
        assert status == 400, f"Host {host}: {status}"
        assert headers.get("x-content-type-options") == "nosniff"
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        status, headers = _handshake(url, host, f"http://{host}")
        assert status == 101 and headers.get("sec-websocket-protocol") == "streamlit", (host, status)


def _policy(headers: dict[str, str]) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: sources}."""
    directives = [part.split() for part in headers["content-security-policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def test_every_response_carries_the_security_headers(server):
    url, _ = server
    responses = {path: _get(url, path) for path in ["/", "/timelines", "/_stcore/health", _asset(url), "/media/none"]}
    responses["a refused Host"] = _get(url, "/", EVIL)
    assert responses["/"][0] == 200 and responses["/media/none"][0] == 404
    for name, (_, headers, _) in responses.items():
        assert headers.get("x-frame-options") == "DENY", name
        assert headers.get("x-content-type-options") == "nosniff", name
        assert "content-security-policy" in headers, name
        policy = _policy(headers)
        assert policy["frame-ancestors"] == ["'none'"], name
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], name
        # No inline script but index.html's own (by hash), no eval, scripts from this server only.
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "blob:"} & set(policy["script-src"]), name
        assert policy["connect-src"] == ["'self'"], name


CSP_WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
  `${e.violatedDirective} ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));"""


@pytest.mark.browser
def test_pages_and_charts_work_under_the_content_security_policy(server, chromium):
    url, _ = server
    page = chromium.new_page(viewport={"width": 1300, "height": 1000})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(CSP_WATCH)
    for path in ["", "compare", "timelines", "aid", "sources", "quality"]:
        response = page.goto(f"{url}/{path}", wait_until="domcontentloaded")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.get_by_text(PAGES[path]).first.wait_for(timeout=60_000)
        if path in {"", "compare", "timelines", "aid"}:
            chart = page.locator("[data-testid='stPlotlyChart'] .js-plotly-plot")
            chart.locator(".main-svg").first.wait_for(timeout=60_000)
            point = chart.first.locator(".scatterlayer .point, .barlayer .point").first
            point.wait_for(timeout=60_000)
            point.hover(force=True)  # Plotly's hover label: inline styles, drawn on the fly
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        page.wait_for_timeout(500)
        violations = page.evaluate("window.__violations")
        assert not violations, f"/{path}: {violations}"
    # The policy is enforced, and the watcher sees what it blocks: an inline script does not run.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("() => window.__violations.length > 0", timeout=10_000)
    assert page.evaluate("window.__ran") is None
    assert page.evaluate("window.__violations")[0].startswith("script-src")
    page.close()
    blocked = [text for text in console if "Content Security Policy" in text]
    assert len(blocked) == 1 and "inline script" in blocked[0], blocked


@contextmanager
def _embedder(url: str):
    """Another site that frames the dashboard: http://localhost:PORT/, a page with an iframe of `url`
    (on loopback too: Chromium blocks a public page's requests to loopback before framing is asked)."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = f'<!doctype html><iframe src="{url}/" width="1200" height="900"></iframe>'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{site.server_address[1]}/"
    finally:
        site.shutdown()
        site.server_close()


def _framed(chromium, url: str) -> tuple[str, str, list[str]]:
    """The dashboard at `url` in another site's frame, once settled: the frame's address and text,
    and the console's messages."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = chromium.new_page(viewport={"width": 1300, "height": 1000})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    with _embedder(url) as embedder:
        page.goto(embedder)
        frame = page.frame_locator("iframe")
        try:
            frame.get_by_text(TITLE).first.wait_for(timeout=30_000)
        except PlaywrightTimeout:  # refused: the frame shows the browser's error page instead
            pass
        text = frame.locator("body").inner_text(timeout=10_000)
        address = page.frames[1].url
    page.close()
    return address, text, console


@pytest.fixture(scope="module")
def embeddable(base):
    """A server started with --allow-embedding and two --allow-host names."""
    extra = ["--allow-embedding", "--allow-host", "dash.example", "--allow-host", "*.apps.example"]
    launch = f"import sys; from dashboard.cli import main; sys.exit(main(sys.argv[1:] + {extra!r}))"
    with serve(base, factdash=[sys.executable, "-c", launch]) as url:
        yield url


@pytest.mark.browser
def test_no_other_site_can_frame_the_dashboard(server, chromium):
    url, _ = server
    address, text, console = _framed(chromium, url)
    assert TITLE not in text and address.startswith("chrome-error:"), (address, text[:300], console)


@pytest.mark.browser
def test_allow_embedding_lets_any_site_frame_it(embeddable, chromium):
    status, headers, _ = _get(embeddable, "/")
    assert status == 200 and "x-frame-options" not in headers
    assert _policy(headers)["frame-ancestors"] == ["*"]
    assert headers["x-content-type-options"] == "nosniff"
    address, text, console = _framed(chromium, embeddable)
    assert TITLE in text and address.startswith(embeddable), (address, text[:300], console)


def test_allow_host_adds_names_and_nothing_else(embeddable):
    port = port_of(embeddable)
    accepted = ["dash.example", f"DASH.example:{port}", "eu.apps.example", f"a.b.apps.example:{port}", "localhost"]
    for host in accepted:
        assert _get(embeddable, "/_stcore/health", host)[0] == 200, host
        assert _handshake(embeddable, host, f"http://{host}")[0] == 101, host
    for host in [EVIL, "apps.example", "dash.example.evil.example", "www.dash.example", "xapps.example"]:
        assert _get(embeddable, "/_stcore/health", host)[0] == 400, host
        assert _handshake(embeddable, host, f"http://{host}")[0] == 400, host


def test_another_loopback_address_is_its_own_host(base):
    with serve(base, host="127.0.0.2") as url:  # serve() waits for /_stcore/health with Host 127.0.0.2:PORT
        port = port_of(url)
        connection = http.client.HTTPConnection("127.0.0.2", port, timeout=20)
        for host, expected in [(f"127.0.0.2:{port}", 200), (f"localhost:{port}", 200), (EVIL, 400)]:
            connection.request("GET", "/_stcore/health", headers={"Host": host})
            answer = connection.getresponse()
            answer.read()
            assert answer.status == expected, host
        connection.close()
