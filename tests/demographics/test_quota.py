"""quota_sample: exact marginals for any N, determinism, concrete values in range."""

import math
from collections import Counter

import numpy as np
import pytest

from sight.demographics import (
    Cell,
    JointDistribution,
    build_joint,
    largest_remainder,
    load_census,
    quota_sample,
    validate_target,
)

SIZES = [1, 7, 20, 200, 1000]
TARGETS = {
    "pl-census": ("pl", {}),
    "us-census": ("us", {}),
    "pl-original-shape": (
        "pl",
        {
            "age_group": {"18-24": 0.3, "25-34": 0.5, "35-44": 0.2},
            "gender": {"Male": 0.5, "Female": 0.5},
            "education": {"tertiary": 0.45, "secondary": 0.35, "basic_vocational": 0.2},
            "location": {"mazowieckie": 0.4, "malopolskie": 0.35, "pomorskie": 0.25},
        },
    ),
    "pl-thirds": (
        "pl",
        {
            "gender": {"Male": 1 / 3, "Female": 2 / 3},
            "urban_rural": {"urban": 1 / 3, "rural": 2 / 3},
            "income": {"<1500": 1 / 7, "1500-2499": 2 / 7, "7500+": 4 / 7},
        },
    ),
    "us-restricted": (
        "us",
        {
            "age_group": {"25-34": 0.55, "35-44": 0.45},
            "location": {"south": 0.5, "west": 0.3, "midwest": 0.2},
            "income": {"100k-150k": 0.61, "150k-200k": 0.39},
        },
    ),
}


@pytest.fixture(scope="module")
def joints() -> dict[str, JointDistribution]:
    return {
        name: build_joint(validate_target(raw, country))
        for name, (country, raw) in TARGETS.items()
    }


def _assert_exact_marginals(
    joint: JointDistribution, cells: list[Cell], n: int
) -> None:
    assert len(cells) == n
    for dimension in joint.dimensions:
        counts = Counter(cell.attributes[dimension] for cell in cells)
        assert sum(counts.values()) == n
        assert set(counts) <= set(joint.categories[dimension])
        for key, share in joint.target_marginals[dimension].items():
            quota = share * n
            low, high = math.floor(quota + 1e-9), math.ceil(quota - 1e-9)
            assert low <= counts[key] <= high, (dimension, key, quota, counts[key])


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name", list(TARGETS))
def test_every_marginal_is_floor_or_ceil_of_target_times_n(
    joints: dict[str, JointDistribution], name: str, n: int
) -> None:
    joint = joints[name]
    for seed in (0, 1, 2):
        _assert_exact_marginals(joint, quota_sample(joint, n, seed), n)


@pytest.mark.parametrize("n", [3, 11, 57, 499])
def test_odd_sizes_with_many_ties(joints: dict[str, JointDistribution], n: int) -> None:
    _assert_exact_marginals(
        joints["pl-original-shape"], quota_sample(joints["pl-original-shape"], n, 5), n
    )


def test_same_seed_same_cells(joints: dict[str, JointDistribution]) -> None:
    joint = joints["pl-census"]
    assert quota_sample(joint, 200, 42) == quota_sample(joint, 200, 42)


def test_different_seeds_give_different_samples(
    joints: dict[str, JointDistribution],
) -> None:
    joint = joints["pl-census"]
    first, second = quota_sample(joint, 200, 1), quota_sample(joint, 200, 2)
    assert [c.attributes for c in first] != [c.attributes for c in second]
    assert [c.age for c in first] != [c.age for c in second]


def test_restricted_ages_never_appear(joints: dict[str, JointDistribution]) -> None:
    cells = quota_sample(joints["us-restricted"], 200, 3)
    assert {c.attributes["age_group"] for c in cells} == {"age_25_34", "age_35_44"}
    assert all(25 <= c.age <= 44 for c in cells)


@pytest.mark.parametrize("country", ["pl", "us"])
def test_concrete_age_and_income_lie_inside_their_brackets(country: str) -> None:
    census = load_census(country)
    cells = quota_sample(build_joint(validate_target({}, country)), 1000, 9)
    income = census.dimensions["income"]
    assert income.values is not None
    for cell in cells:
        age_range = (
            census.dimensions["age_group"].category(cell.attributes["age_group"]).range
        )
        assert age_range is not None
        assert age_range.max is not None
        assert age_range.min <= cell.age <= age_range.max
        band = income.category(cell.attributes["income"]).range
        assert band is not None
        assert band.min <= cell.income
        assert band.max is None or cell.income < band.max
        assert cell.income % income.values.step == 0
        assert cell.income_currency == income.values.unit
    assert {c.index for c in cells} == set(range(1000))


def test_open_age_bracket_uses_its_sub_ranges() -> None:
    cells = quota_sample(
        build_joint(validate_target({"age_group": {"65+": 1}}, "pl")), 1000, 4
    )
    ages = np.array([c.age for c in cells])
    assert ages.min() >= 65
    assert ages.max() <= 100
    # weights 0.607 / 0.280 / 0.113 for 65-74 / 75-84 / 85+
    assert np.mean(ages <= 74) == pytest.approx(0.607, abs=0.05)
    assert np.mean(ages >= 85) == pytest.approx(0.113, abs=0.04)


def test_census_sample_reproduces_the_age_sex_association(
    joints: dict[str, JointDistribution],
) -> None:
    joint = joints["pl-census"]
    expected = joint.marginal("age_group", "gender")
    women_share_65 = expected[-1, 1] / expected[-1].sum()
    cells = quota_sample(joint, 1000, 11)
    elderly = [c for c in cells if c.attributes["age_group"] == "age_65_plus"]
    observed = sum(c.attributes["gender"] == "female" for c in elderly) / len(elderly)
    assert observed == pytest.approx(women_share_65, abs=0.01)


def test_cells_follow_the_joint_not_only_the_marginals() -> None:
    # everyone aged 65+ or 18-24, half men: the census makes 65+ mostly women, so
    # the young must be mostly men for the gender quota to hold
    target = validate_target(
        {
            "age_group": {"18-24": 0.5, "65+": 0.5},
            "gender": {"male": 0.5, "female": 0.5},
        },
        "pl",
    )
    joint = build_joint(target)
    cells = quota_sample(joint, 1000, 6)
    table = joint.marginal("age_group", "gender")
    young = [c for c in cells if c.attributes["age_group"] == "age_18_24"]
    observed = sum(c.attributes["gender"] == "male" for c in young) / len(young)
    assert observed == pytest.approx(table[0, 0] / table[0].sum(), abs=0.01)


def test_sample_size_must_be_positive(joints: dict[str, JointDistribution]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        quota_sample(joints["pl-census"], 0, 1)


@pytest.mark.parametrize(
    ("shares", "n", "expected"),
    [
        ([0.5, 0.3, 0.2], 10, [5, 3, 2]),
        ([0.45, 0.35, 0.2], 7, [3, 3, 1]),  # remainders 0.15, 0.45, 0.4
        ([1.0, 0.0], 3, [3, 0]),
        ([0.0, 1 / 3, 2 / 3], 3, [0, 1, 2]),
        ([0.6, 0.4], 1, [1, 0]),
    ],
)
def test_largest_remainder(shares: list[float], n: int, expected: list[int]) -> None:
    counts = largest_remainder(shares, n, np.random.default_rng(0))
    assert counts.tolist() == expected


def test_largest_remainder_breaks_exact_ties_by_seed() -> None:
    winners = {
        int(np.argmax(largest_remainder([0.5, 0.5], 1, np.random.default_rng(seed))))
        for seed in range(20)
    }
    assert winners == {0, 1}


def test_largest_remainder_never_gives_a_unit_to_a_zero_share() -> None:
    for n in range(1, 30):
        counts = largest_remainder([0.0, 0.25, 0.0, 0.75], n, np.random.default_rng(n))
        assert counts[0] == counts[2] == 0
        assert counts.sum() == n


def test_cells_are_not_grouped_by_category(
    joints: dict[str, JointDistribution],
) -> None:
    # callers take prefixes of the list (e.g. the first 20 of 200 finished personas);
    # a list grouped by age would make every prefix one age group
    cells = quota_sample(joints["pl-census"], 200, 8)
    first_twenty = {c.attributes["age_group"] for c in cells[:20]}
    assert len(first_twenty) >= 3
