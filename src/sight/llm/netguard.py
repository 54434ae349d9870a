"""User-set endpoints must not reach this server's own network (SSRF).

A user may point the OpenAI-compatible provider at their own server. Without
a guard, that makes Sight POST to loopback, link-local (cloud metadata at
169.254.169.254) and private addresses on the user's behalf. Refused unless the
operator sets `SIGHT_LLM__ALLOW_PRIVATE_ENDPOINTS=true` (a single-user install
with a local model server, or tests against fake servers on 127.0.0.1).

Checked three times: when the URL is saved (a clear 422), before each call
(the name may resolve differently now), and at connect time for every
connection the SDK opens, redirects included (`guarded_http.guarded_http_client`):
the address connected to is the address that was checked, so DNS rebinding
cannot slip between the check and the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from sight.kit.errors import SightError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class EndpointRefused(SightError):
    status_code = 422

    def __init__(self, field: str, msg: str) -> None:
        problem = {"loc": ["body", field], "field": field, "msg": msg}
        super().__init__([{**problem, "type": "value_error"}])


def forbidden(ip: IPAddress) -> bool:
    """Loopback, link-local, private, shared, reserved or multicast."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def _addresses(host: str, port: int, field: str) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise EndpointRefused(field, f"the host {host!r} cannot be resolved") from exc
    # The scope id ("%eth0") of an IPv6 link-local address is not part of it.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def vetted_addresses(host: str, port: int, *, field: str) -> list[str]:
    """The addresses of `host`, or EndpointRefused if any is not public."""
    addresses = await _addresses(host, port, field)
    bad = [str(ip) for ip in addresses if forbidden(ip)]
    if bad or not addresses:
        raise EndpointRefused(
            field,
            "points at a loopback, link-local or private address "
            f"({', '.join(bad) or 'none'}); only public endpoints are allowed "
            "(an operator can allow private ones with "
            "SIGHT_LLM__ALLOW_PRIVATE_ENDPOINTS=true)",
        )
    return [str(ip) for ip in addresses]


async def check_endpoint(url: str, *, allow_private: bool, field: str) -> None:
    """Refuse a user-set base URL that is not http(s) or not public."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise EndpointRefused(field, "must be an http(s) URL with a host")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    await vetted_addresses(parts.hostname, port, field=field)
