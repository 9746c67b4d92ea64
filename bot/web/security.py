"""Sessions with a timeout, CSRF tokens, and headers that keep pages out of caches and frames."""
from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Any

from starlette.requests import Request

from bot.config import Settings

CSRF_FIELD = "csrf"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # pages hold personal data
}


def session_secret(settings: Settings) -> str:
    """LOTSE_WEB_SECRET, else a random key created once in var/ (readable by the owner only)."""
    if settings.web_secret:
        return settings.web_secret
    path = Path(settings.var_dir) / "web-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def csrf_valid(request: Request, submitted: str | None) -> bool:
    expected = request.session.get(CSRF_FIELD)
    return bool(expected and submitted and secrets.compare_digest(expected, submitted))


def _is_trusted(address: str, trusted: str) -> bool:
    for entry in (e.strip() for e in trusted.split(",") if e.strip()):
        try:
            if ipaddress.ip_address(address) in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            if address == entry:  # a name, as a test client has
                return True
    return False


def client_of(request: Request, trusted_proxies: str = "") -> str:
    """The client's address: the peer's, unless the peer is a trusted reverse proxy; then the
    nearest address in X-Forwarded-For that is not one of our proxies (what a client writes
    further left is its own claim). Behind a proxy every peer address is the proxy's: counting
    failed logins by it would let anyone lock everyone out."""
    peer = request.client.host if request.client else "unknown"
    if not _is_trusted(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted_proxies):
            return hop[:64]
    return peer


class SecurityHeaders:
    """ASGI middleware: SECURITY_HEADERS on every HTTP response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.extend((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items())
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)
