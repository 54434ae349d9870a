"""Run the fake server on a free port in a background thread.

The server has its own event loop in its own thread, so it works the same
from sync tests, async tests and benchmarks; stats are read directly from the
shared, lock-protected state.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn

from sight_testing.fake_llm.app import create_fake_llm_app
from sight_testing.fake_llm.config import CannedResponse, FakeLLMConfig
from sight_testing.fake_llm.state import FakeLLMState, FakeLLMStats


class FakeLLM:
    """Handle on a fake LLM server running in a background thread.

    Use as ``with running_fake_llm(cfg) as fake:`` (or ``async with``);
    ``fake.base_url`` is e.g. ``http://127.0.0.1:54321`` (Gemini and
    Anthropic base URL) and ``fake.openai_base_url`` adds ``/v1``.
    """

    def __init__(
        self,
        config: FakeLLMConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 10.0,
    ) -> None:
        self._initial = config or FakeLLMConfig()
        self.state = FakeLLMState(self._initial)
        self.host = host
        self._port = port
        self._startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Self:
        if self._server is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._port))
        self._port = sock.getsockname()[1]
        app = create_fake_llm_app(state=self.state)
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            timeout_graceful_shutdown=2,
            timeout_keep_alive=30,
        )
        server = uvicorn.Server(config)
        self._server = server
        self.state.shutting_down.clear()
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"fake-llm-{self._port}",
            daemon=True,
        )
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                sock.close()
                raise RuntimeError("fake LLM server failed to start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop the server; hanging requests are released first."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.state.shutting_down.set()
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- addresses -------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """Root URL: Gemini ``base_url`` and Anthropic ``base_url``."""
        return f"http://{self.host}:{self._port}"

    @property
    def openai_base_url(self) -> str:
        """``base_url`` for the OpenAI SDK (root plus ``/v1``)."""
        return f"{self.base_url}/v1"

    # -- runtime control -------------------------------------------------
    @property
    def config(self) -> FakeLLMConfig:
        return self.state.config

    @property
    def stats(self) -> FakeLLMStats:
        return self.state.snapshot()

    def configure(self, **changes: Any) -> FakeLLMConfig:
        """Change config at runtime (same semantics as ``POST /_control``)."""
        return self.state.update(changes)

    def reset_stats(self) -> None:
        self.state.reset_stats()

    def reset(self, config: FakeLLMConfig | None = None) -> None:
        """Restore ``config`` (default: the starting config), clear counters."""
        self.state.update((config or self._initial).model_dump())
        self.state.reset_stats()

    def add_canned(self, contains: str, content: str) -> None:
        """Answer ``content`` when the last user message contains ``contains``."""
        canned = [
            *self.state.config.canned,
            CannedResponse(contains=contains, content=content),
        ]
        self.state.update({"canned": [c.model_dump() for c in canned]})


def running_fake_llm(
    config: FakeLLMConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> FakeLLM:
    """Start a fake server now and return its (context-manager) handle."""
    return FakeLLM(config, host=host, port=port).start()
