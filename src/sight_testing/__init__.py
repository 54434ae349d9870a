"""Helpers for tests and benchmarks (fake LLM provider servers).

A top-level package next to `sight`, not inside it: the wheel ships only
`src/sight` (see `[tool.hatch.build.targets.wheel]`), so a deployed Sight has
no fake provider server to start by mistake. Tests and `bench/` import it from
the checkout (`src/` is on the path of the development environment).
"""
