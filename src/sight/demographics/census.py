"""Census data files: typed models, loading, and matching of labels to category keys."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import cache, cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# numpy (0.1 s of CPU) is imported where used, not by `sight serve`'s start (issue 16).
if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def load_yaml(text: str) -> Any:
    """`yaml.safe_load`, with libyaml's parser where PyYAML was built with it
    (5x faster; the same values)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)


# Data files store shares rounded to five decimals by largest remainder, so their sums
# are exact up to float noise; joint-table marginals may differ from the 1-D shares by
# the rounding of the individual cells.
SHARE_SUM_TOLERANCE = 1e-6
JOINT_MARGINAL_TOLERANCE = 1e-4
REQUIRED_DIMENSIONS = ("age_group", "gender", "income")

_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

DataStatus = Literal["published", "recalled", "derived"]


class Country(StrEnum):
    PL = "pl"
    US = "us"


def parse_country(value: Country | str) -> Country:
    """Accept a Country or its code in any case ("PL", "us")."""
    if isinstance(value, Country):
        return value
    return Country(value.strip().lower())


def normalise_label(text: str) -> str:
    """Fold a label to a comparable id: case, diacritics, punctuation and separators.

    "Mężczyzna" -> "mezczyzna", "18-24" (any dash) -> "18_24", "65+" -> "65_plus",
    "1,500-2,499" -> "1500_2499".
    """
    folded = text.strip().casefold().replace("ł", "l")
    folded = unicodedata.normalize("NFKD", folded)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = (
        folded.replace("+", " plus ").replace("<", " under ").replace(">", " over ")
    )
    # thousands separators would otherwise split numbers into two tokens
    folded = re.sub(r"(?<=\d)[,\s](?=\d{3}(?!\d))", "", folded)
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Labels(_Frozen):
    pl: str
    en: str


class Source(_Frozen):
    publisher: str
    title: str
    table: str | None = None
    year: int
    url: str | None = None
    # further pages the figures were checked against
    references: tuple[str, ...] = ()


class ValueRange(_Frozen):
    """Concrete values of a category: ages are inclusive, money bands are [min, max)."""

    min: int
    max: int | None = None  # None marks the open top band


class SubRange(_Frozen):
    min: int
    max: int
    weight: float = Field(gt=0)


class ValueModel(_Frozen):
    unit: str
    period: str | None = None
    step: int = Field(default=1, ge=1)
    # lowest concrete value drawn in the bottom band (a band "under 1,500" includes 0,
    # but a persona living on 10 zł a month would be noise, not realism)
    draw_floor: int = Field(default=0, ge=0)
    open_band_pareto_alpha: float | None = Field(default=None, gt=1)


class LognormalModel(_Frozen):
    """Parameters a derived band distribution was computed from (documentation)."""

    mean: float = Field(gt=0)
    gini: float = Field(gt=0, lt=1)


class Category(_Frozen):
    key: str
    labels: Labels
    aliases: tuple[str, ...] = ()
    share: float = Field(gt=0, le=1)
    population: int | None = Field(default=None, gt=0)
    range: ValueRange | None = None
    subranges: tuple[SubRange, ...] = ()
    # True only when the share (or count) matched a published source; the rest
    # are documented estimates (see the dimension's notes).
    verified: bool = False

    def names(self) -> list[str]:
        """Everything a researcher may type for this category."""
        return [self.key, self.labels.pl, self.labels.en, *self.aliases]


class Dimension(_Frozen):
    key: str
    labels: Labels
    aliases: tuple[str, ...] = ()
    universe: str
    status: DataStatus
    source: Source
    notes: str
    values: ValueModel | None = None
    lognormal: LognormalModel | None = None
    categories: tuple[Category, ...]

    @model_validator(mode="after")
    def _check(self) -> Dimension:
        keys = [c.key for c in self.categories]
        if not keys:
            raise ValueError(f"dimension {self.key!r} has no categories")
        bad = [k for k in [self.key, *keys] if not _KEY_PATTERN.match(k)]
        if bad:
            raise ValueError(f"dimension {self.key!r}: keys are not snake_case: {bad}")
        if len(set(keys)) != len(keys):
            raise ValueError(f"dimension {self.key!r}: duplicate category keys")
        total = sum(c.share for c in self.categories)
        if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
            raise ValueError(f"dimension {self.key!r}: shares sum to {total}, not 1")
        if self.values is not None and any(c.range is None for c in self.categories):
            raise ValueError(f"dimension {self.key!r}: every category needs a range")
        self._label_index()  # raises on ambiguous aliases
        return self

    def _label_index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for category in self.categories:
            for name in category.names():
                folded = normalise_label(name)
                owner = index.setdefault(folded, category.key)
                if owner != category.key:
                    raise ValueError(
                        f"dimension {self.key!r}: {name!r} matches both "
                        f"{owner!r} and {category.key!r}"
                    )
        return index

    @cached_property
    def _index(self) -> dict[str, str]:
        return self._label_index()

    @property
    def verified_keys(self) -> list[str]:
        return [c.key for c in self.categories if c.verified]

    @property
    def category_keys(self) -> list[str]:
        return [c.key for c in self.categories]

    @property
    def shares(self) -> dict[str, float]:
        return {c.key: c.share for c in self.categories}

    def category(self, key: str) -> Category:
        for category in self.categories:
            if category.key == key:
                return category
        raise KeyError(f"{self.key}: no category {key!r}")

    def resolve(self, label: str) -> str | None:
        """Canonical key for a key, a pl/en label or an alias; None when unknown."""
        return self._index.get(normalise_label(label))


class JointTable(_Frozen):
    dimensions: tuple[str, str]
    status: DataStatus
    source: Source
    notes: str
    counts_thousands: dict[str, dict[str, float]] | None = None
    shares: dict[str, dict[str, float]]
    verified: bool = False

    def array(self, first: Dimension, second: Dimension) -> NDArray[np.float64]:
        """Shares as a matrix ordered like the two dimensions' categories."""
        import numpy as np

        return np.array(
            [
                [self.shares[a][b] for b in second.category_keys]
                for a in first.category_keys
            ],
            dtype=np.float64,
        )


class Census(_Frozen):
    schema_version: int
    country: Country
    labels: Labels
    population: int = Field(gt=0)
    population_verified: bool = False
    population_source: Source
    verification: str
    dimensions: dict[str, Dimension]
    joints: tuple[JointTable, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _inject_dimension_keys(cls, data: Any) -> Any:
        # the YAML keys dimensions by id; the model wants the id inside each dimension
        if isinstance(data, dict) and isinstance(data.get("dimensions"), dict):
            data = dict(data)
            data["dimensions"] = {
                key: {"key": key, **body} if isinstance(body, dict) else body
                for key, body in data["dimensions"].items()
            }
        return data

    @model_validator(mode="after")
    def _check(self) -> Census:
        missing = [d for d in REQUIRED_DIMENSIONS if d not in self.dimensions]
        if missing:
            raise ValueError(f"census {self.country}: missing dimensions {missing}")
        names: dict[str, str] = {}
        for dimension in self.dimensions.values():
            for name in self._dimension_names(dimension):
                owner = names.setdefault(normalise_label(name), dimension.key)
                if owner != dimension.key:
                    raise ValueError(f"dimension name {name!r} is ambiguous")
        covered: set[str] = set()
        for joint in self.joints:
            if covered & set(joint.dimensions):
                raise ValueError("a dimension may appear in only one joint table")
            covered.update(joint.dimensions)
            self._check_joint(joint)
        return self

    def _check_joint(self, joint: JointTable) -> None:
        import numpy as np

        first, second = (self.dimensions[d] for d in joint.dimensions)
        if set(joint.shares) != set(first.category_keys) or any(
            set(row) != set(second.category_keys) for row in joint.shares.values()
        ):
            raise ValueError(
                f"joint {joint.dimensions}: keys differ from the dimensions"
            )
        table = joint.array(first, second)
        if abs(table.sum() - 1.0) > SHARE_SUM_TOLERANCE or (table <= 0).any():
            raise ValueError(
                f"joint {joint.dimensions}: shares must be positive, sum 1"
            )
        for axis, dimension in ((1, first), (0, second)):
            expected = np.array([c.share for c in dimension.categories])
            if np.abs(table.sum(axis=axis) - expected).max() > JOINT_MARGINAL_TOLERANCE:
                raise ValueError(
                    f"joint {joint.dimensions}: marginal differs from {dimension.key!r}"
                )

    @staticmethod
    def _dimension_names(dimension: Dimension) -> list[str]:
        labels = dimension.labels
        return [dimension.key, labels.pl, labels.en, *dimension.aliases]

    def resolve_dimension(self, name: str) -> str | None:
        folded = normalise_label(name)
        for dimension in self.dimensions.values():
            if folded in {normalise_label(n) for n in self._dimension_names(dimension)}:
                return dimension.key
        return None

    def joint_with(self, dimension: str) -> JointTable | None:
        for joint in self.joints:
            if dimension in joint.dimensions:
                return joint
        return None


@cache
def _load(country: Country) -> Census:
    text = (
        resources.files("sight.demographics")
        .joinpath("data")
        .joinpath(f"{country.value}.yaml")
        .read_text(encoding="utf-8")
    )
    return Census.model_validate(load_yaml(text))


def load_census(country: Country | str) -> Census:
    """The validated census distributions of a country (parsed once, then cached)."""
    return _load(parse_country(country))
