"""The dashboard's server: Streamlit's own, with a Host check and security headers in front of it.

`factdash serve` runs `streamlit run dashboard/app/server.py [--server.* flags] -- [OPTIONS]`.
Streamlit finds the `st.App` below (its supported way to give its Starlette server middleware),
serves `main.py` through it, and hands OPTIONS to this module as `sys.argv`:

  --allow-host NAME   a Host header to accept besides the served address (repeatable; `*.example.org`
                      for its subdomains, `*` for any: the check off)
  --allow-embedding   let any site show the pages in a frame (default: no site may)

The middleware, outermost first:

- headers: every HTTP response (pages, static assets, /_stcore/health, the refusals below) carries
  `Content-Security-Policy`, `X-Frame-Options: DENY` (unless embedding is allowed) and
  `X-Content-Type-Options: nosniff`.
- Starlette's `TrustedHostMiddleware`: a request or websocket handshake (`/_stcore/stream`) whose
  Host header is not one of the served address's names gets 400 before Streamlit sees it. That
  stops DNS rebinding: a page of evil.example whose name a resolver later points at 127.0.0.1 is
  same-origin with its own name, not with the dashboard, and its requests say `Host: evil.example`.

Only dashboard/cli.py refers to this module (by path); Streamlit imports it as a top-level `server`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import ipaddress
import re
import sys
from pathlib import Path

import streamlit as st
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import config

MAIN = Path(__file__).resolve().parent / "main.py"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARDS = ("", "0.0.0.0", "::")  # every interface, loopback among them
# What Streamlit's pages fetch from elsewhere: the page icon (`:material/...:`) is an SVG from here.
ICONS = "https://fonts.gstatic.com"


def host_pattern(text: str) -> str:
    """NAME as TrustedHostMiddleware matches it: lower case, an IPv6 address in brackets, no port."""
    name = text.strip().lower()
    bare = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        address = None
    if address is not None:
        return f"[{address.compressed}]" if address.version == 6 else address.compressed
    if name == "*" or re.fullmatch(r"(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?", name):
        return name
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a host name, an IP address, '*.' and a domain, or '*' (give it without a port)"
    )


def allowed_hosts(address: str, extra: list[str]) -> list[str]:
    """The Host names to accept for a server listening on `address`, plus `extra`.

    A loopback or wildcard address is also reached as localhost, 127.0.0.1 and [::1]: a DNS
    rebinding page cannot send those names (its requests carry its own), so they are always safe."""
    hosts = [host_pattern(address)] if address not in WILDCARDS else []
    try:
        loopback = address in WILDCARDS or address == "localhost" or ipaddress.ip_address(address).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        hosts += LOOPBACK_NAMES
    return list(dict.fromkeys(hosts + extra))


def _inline_script_hashes() -> list[str]:
    """CSP sources for the inline scripts of Streamlit's index.html (one sets `window.prerenderReady`):
    hashed from the installed file, so a Streamlit upgrade that changes them needs no edit here."""
    index = Path(st.__file__).resolve().parent / "static" / "index.html"
    scripts = re.findall(r"<script>(.*?)</script>", index.read_text(encoding="utf-8"), re.DOTALL)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts]


def content_security_policy(allow_embedding: bool) -> str:
    """What Streamlit's pages and Plotly's charts need, and nothing more: their own scripts (no eval;
    WebAssembly may compile, as Streamlit's protobuf bundle does at start, logging a violation
    otherwise; no inline script but index.html's own), inline styles (Streamlit's and Plotly's CSS-in-JS),
    images and fonts from here, data: and blob: (charts' downloads), the icon from fonts.gstatic.com,
    the websocket and fetches to this server only ('self' covers ws: and wss: to it)."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'wasm-unsafe-eval'", *_inline_script_hashes()],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", ICONS],
        "font-src": ["'self'", "data:", ICONS],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "data:", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["*"] if allow_embedding else ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def security_headers(allow_embedding: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(allow_embedding),
        "X-Content-Type-Options": "nosniff",
    }
    if not allow_embedding:  # X-Frame-Options has no "any site" value: leaving it out is how
        headers["X-Frame-Options"] = "DENY"
    return headers


class SecurityHeadersMiddleware:
    """Sets `headers` on every HTTP response, and on a websocket handshake's refusal."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.http.response.start"):
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def parse_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="factdash serve", description="options of dashboard/app/server.py")
    parser.add_argument("--allow-host", action="append", default=[], type=host_pattern, metavar="NAME")
    parser.add_argument("--allow-embedding", action="store_true")
    return parser.parse_args(argv)


def middleware(address: str, options: argparse.Namespace) -> list[Middleware]:
    return [
        Middleware(SecurityHeadersMiddleware, headers=security_headers(options.allow_embedding)),
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(address, options.allow_host), www_redirect=False),
    ]


# `streamlit run` has loaded its configuration (the --server.* flags) and set sys.argv to the
# options after `--` before it imports this module.
app = st.App(MAIN, middleware=middleware(config.get_option("server.address") or "", parse_options(sys.argv[1:])))
