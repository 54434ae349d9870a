"""Provider API keys at rest: Fernet (AES-128-CBC + HMAC) with a key derived
from SECRET_KEY. Rotating SECRET_KEY makes stored keys unreadable; users then
enter them again (the settings API reports them as `unreadable`)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class KeyVault:
    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(
            b"sight/llm-api-keys/v1:" + secret_key.encode()
        ).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str | None:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None
