"""Loading `routing.yaml` and `prices.yaml`: per-flow routes and the price table."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, Field

Tier = Literal["fast", "strong"]
ProviderName = Literal["gemini", "openai", "anthropic", "ollama", "offline"]


class FlowConfig(BaseModel):
    tier: Tier = "fast"
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(2048, ge=1, le=65536)
    timeout: float = Field(60, gt=0, le=900)
    expected_input_tokens: int = Field(800, ge=0)
    expected_output_tokens: int = Field(400, ge=0)


class RoutingTable(BaseModel):
    models: dict[str, dict[Tier, str]]
    defaults: FlowConfig
    flows: dict[str, FlowConfig]

    def flow(self, name: str) -> FlowConfig:
        return self.flows.get(name, self.defaults)


class Price(BaseModel):
    input: float = Field(ge=0)
    output: float = Field(ge=0)


class PriceTable(BaseModel):
    as_of: str
    currency: str
    models: dict[str, Price]
    free_providers: list[str]

    def price(self, provider: str, model: str) -> Price | None:
        """None means: no price known (the cost is reported as unpriced)."""
        if model in self.models:
            return self.models[model]
        if provider in self.free_providers:
            return Price(input=0, output=0)
        return None

    def cost(
        self, provider: str, model: str, input_tokens: int, output_tokens: int
    ) -> float | None:
        price = self.price(provider, model)
        if price is None:
            return None
        return (input_tokens * price.input + output_tokens * price.output) / 1_000_000


def _load(name: str) -> dict[str, Any]:
    # PyYAML (~0.02 s of CPU to import) loads with the first flow or price
    # looked up, not with the start (issue 16).
    import yaml

    text = resources.files("sight.llm").joinpath(name).read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@functools.cache
def routing_table() -> RoutingTable:
    raw = _load("routing.yaml")
    defaults = FlowConfig(**raw["defaults"])
    flows = {
        name: FlowConfig(**{**defaults.model_dump(), **cfg})
        for name, cfg in raw["flows"].items()
    }
    return RoutingTable(models=raw["models"], defaults=defaults, flows=flows)


@functools.cache
def price_table() -> PriceTable:
    return PriceTable(**_load("prices.yaml"))
