"""The client's address behind trusted proxies only.

`X-Forwarded-For` is a list anyone can start: each proxy appends the address it
received the request from. Only the entries appended by proxies we run are
true, so the client is the right-most entry that is not one of our proxies,
and the header is read at all only when the peer itself is a trusted proxy.
Otherwise the peer address stands, whatever the header says; a client that
rotates the header gets nothing from it (rate limits stay per real address).

`SIGHT_TRUSTED_PROXIES`: comma-separated addresses or networks, or `*` for a
deployment that can only be reached through one proxy (Cloud Run, where the
peer is Google's front end): then the right-most entry is the client.
"""

from __future__ import annotations

import ipaddress
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted(spec: str) -> tuple[bool, tuple[Network, ...]]:
    """("*" → any single proxy, networks) from the setting's text."""
    items = [item.strip() for item in spec.split(",") if item.strip()]
    if "*" in items:
        return True, ()
    return False, tuple(ipaddress.ip_network(item, strict=False) for item in items)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.9:51000"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class ForwardedClientMiddleware:
    """Sets `scope["client"]` to the real client address (pure ASGI)."""

    def __init__(self, app: ASGIApp, trusted_proxies: str) -> None:
        self.app = app
        self.any_proxy, self.networks = parse_trusted(trusted_proxies)
        self.enabled: Final = self.any_proxy or bool(self.networks)

    def _trusted(self, host: str) -> bool:
        if self.any_proxy:
            return True
        address = _address(host)
        return address is not None and any(address in n for n in self.networks)

    def client_of(self, peer: str, forwarded_for: str) -> str:
        if not self._trusted(peer):
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if self.any_proxy:
            # One proxy in front: the entry it appended is the last one.
            last = _address(hops[-1]) if hops else None
            return str(last) if last is not None else peer
        client = peer
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # garbage from the client side; keep the last good hop
            client = str(address)
            if not any(address in n for n in self.networks):
                break
        return client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.enabled and scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            if peer:
                forwarded = b",".join(
                    value
                    for name, value in scope.get("headers", [])
                    if name.lower() == b"x-forwarded-for"
                ).decode("latin-1")
                client = self.client_of(peer[0], forwarded)
                if client != peer[0]:
                    scope = {**scope, "client": (client, peer[1])}
        await self.app(scope, receive, send)
