"""Occupations by country, sex, education and income: the census-like table the
offline engine draws personas' occupations from, and the checks validation shares.

The data (`data/occupations.yaml`) says which of its figures are verified. The
model is P(occupation | sex, education tier, income band) ∝ P(group | sex) *
weight in group * P(sex | occupation) * P(tier | occupation) * pay fit, so a
repeated occupation is as rare in a sample as it is among the employed.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sight.demographics.census import Source, load_yaml

Tier = Literal["low", "mid", "high"]
Pay = Literal["low", "mid", "high"]

TIERS: dict[str, Tier] = {
    "primary_or_less": "low",
    "basic_vocational": "low",
    "less_than_high_school": "low",
    "secondary": "mid",
    "post_secondary": "mid",
    "high_school": "mid",
    "some_college": "mid",
    "associate": "mid",
    "tertiary": "high",
    "bachelors": "high",
    "advanced": "high",
}
DEGREE = frozenset({"tertiary", "bachelors", "advanced"})


def education_tier(education: str) -> Tier:
    return TIERS.get(education, "mid")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GroupShares(_Frozen):
    verified: bool
    source: Source
    notes: str
    shares: dict[str, tuple[float, float]]  # group -> (men %, women %)


class Occupation(_Frozen):
    key: str
    pl: tuple[str, str]  # masculine, feminine
    en: str
    # the English name where the Polish job differs from the US one (a cleaner
    # in Poland is not a "janitor")
    en_pl: str | None = None
    pl_group: str | None = None
    us_group: str | None = None
    weight: float = Field(gt=0)
    female: float = Field(ge=0, le=1)
    edu: tuple[float, float, float]
    pay: Pay
    min_age: int = 18
    degree: bool | Literal["advanced"] = False

    def label(self, language: str, gender: str, country: str = "us") -> str:
        if language == "pl":
            return self.pl[1] if gender == "female" else self.pl[0]
        return self.en_pl if country == "pl" and self.en_pl else self.en

    def group(self, country: str) -> str | None:
        return self.pl_group if country == "pl" else self.us_group

    def allows(self, education: str) -> bool:
        """Whether someone with this education can hold the occupation."""
        if self.degree == "advanced" and education == "bachelors":
            return False
        if self.degree and education not in DEGREE:
            return False
        return self.edu[("low", "mid", "high").index(education_tier(education))] > 0


class OccupationTable(_Frozen):
    schema_version: int
    groups: dict[str, GroupShares]
    pay_fit: dict[Pay, tuple[float, float, float, float]]
    occupations: tuple[Occupation, ...]

    def pay_weight(self, pay: Pay, income_rank: float) -> float:
        fit = self.pay_fit[pay]
        if income_rank <= 0.0:
            return fit[0]
        if income_rank >= 1.0:
            return fit[3]
        return fit[1] if income_rank < 0.5 else fit[2]

    def weights(
        self,
        country: str,
        gender: str,
        education: str,
        income_rank: float,
        age: int,
    ) -> list[tuple[Occupation, float]]:
        """Every occupation a person like this could hold, with its relative weight."""
        groups = self.groups[country].shares
        column = 1 if gender == "female" else 0
        tier = ("low", "mid", "high").index(education_tier(education))
        in_group: dict[str, float] = {}
        for occupation in self.occupations:
            group = occupation.group(country)
            if group is not None:
                in_group[group] = in_group.get(group, 0.0) + occupation.weight
        found: list[tuple[Occupation, float]] = []
        for occupation in self.occupations:
            group = occupation.group(country)
            if group is None or age < occupation.min_age:
                continue
            if not occupation.allows(education):
                continue
            sex = occupation.female if gender == "female" else 1 - occupation.female
            weight = (
                groups[group][column]
                * occupation.weight
                / in_group[group]
                * sex
                * occupation.edu[tier]
                * self.pay_weight(occupation.pay, income_rank)
            )
            if weight > 0:
                found.append((occupation, weight))
        return found

    def find(self, text: str) -> Occupation | None:
        """The occupation whose name (any language, any gender) `text` is."""
        folded = text.strip().casefold()
        for occupation in self.occupations:
            names = {
                occupation.en.casefold(),
                (occupation.en_pl or occupation.en).casefold(),
                *(n.casefold() for n in occupation.pl),
            }
            if folded in names:
                return occupation
        return None


@cache
def load_occupations() -> OccupationTable:
    text = (
        resources.files("sight.demographics")
        .joinpath("data")
        .joinpath("occupations.yaml")
        .read_text(encoding="utf-8")
    )
    return OccupationTable.model_validate(load_yaml(text))
