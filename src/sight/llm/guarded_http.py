"""The HTTP client for user-set endpoints: it connects only to the addresses
`netguard` checked (see there). Apart from `netguard` so that the HTTP client
library (0.05-0.1 s of CPU) loads with the first such provider, not at every
`sight serve` start (issue 16)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore2
import httpx2

from sight.llm.netguard import EndpointRefused, vetted_addresses


class _GuardedBackend(httpcore2.AsyncNetworkBackend):
    """Resolves, checks and connects to the checked address itself."""

    def __init__(self, inner: httpcore2.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        try:
            addresses = await vetted_addresses(host, port, field="the endpoint")
        except EndpointRefused as exc:
            raise httpcore2.ConnectError(exc.detail) from exc
        # TLS still verifies against the host name: httpcore passes the
        # origin's name as server_hostname, not the address connected to.
        return await self._inner.connect_tcp(
            addresses[0], port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        raise httpcore2.ConnectError("unix sockets are not allowed for user endpoints")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_http_client(timeout: float = 600.0) -> httpx2.AsyncClient:
    """An HTTP client for user-set endpoints (no environment proxies: a
    proxy would resolve and connect on our behalf, past the guard)."""
    transport = httpx2.AsyncHTTPTransport(trust_env=False)
    pool: Any = transport._pool
    pool._network_backend = _GuardedBackend(pool._network_backend)
    return httpx2.AsyncClient(
        transport=transport, trust_env=False, timeout=timeout, follow_redirects=True
    )
