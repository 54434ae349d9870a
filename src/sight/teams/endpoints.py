from __future__ import annotations

from fastapi import APIRouter

from sight.kit.routing import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["teams"])
