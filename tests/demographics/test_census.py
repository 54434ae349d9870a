"""The data files: sums, consistency with the published figures, label matching."""

import math
from importlib import resources

import numpy as np
import pytest
import yaml
from pydantic import ValidationError
from scipy.stats import lognorm, norm  # type: ignore[import-untyped]

from sight.demographics import (
    Census,
    Country,
    Dimension,
    JointTable,
    load_census,
    normalise_label,
)
from sight.demographics.census import SHARE_SUM_TOLERANCE

COUNTRIES = list(Country)


def _raw(country: Country) -> dict[str, object]:
    files = resources.files("sight.demographics").joinpath("data")
    text = files.joinpath(f"{country.value}.yaml").read_text(encoding="utf-8")
    data: dict[str, object] = yaml.safe_load(text)
    return data


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_dimension_sums_to_one(country: Country) -> None:
    census = load_census(country)
    for dimension in census.dimensions.values():
        total = sum(c.share for c in dimension.categories)
        assert abs(total - 1) < SHARE_SUM_TOLERANCE, dimension.key


@pytest.mark.parametrize("country", COUNTRIES)
def test_joint_tables_sum_to_one_and_match_marginals(country: Country) -> None:
    census = load_census(country)
    (joint,) = census.joints
    assert joint.dimensions == ("age_group", "gender")
    age, sex = census.dimensions["age_group"], census.dimensions["gender"]
    table = joint.array(age, sex)
    assert table.sum() == pytest.approx(1, abs=1e-9)
    assert table.sum(axis=1) == pytest.approx(
        [c.share for c in age.categories], abs=1e-9
    )
    assert table.sum(axis=0) == pytest.approx(
        [c.share for c in sex.categories], abs=1e-9
    )


@pytest.mark.parametrize("country", COUNTRIES)
def test_joint_shares_are_the_documented_counts(country: Country) -> None:
    (joint,) = load_census(country).joints
    assert joint.counts_thousands is not None
    total = sum(sum(row.values()) for row in joint.counts_thousands.values())
    for age, row in joint.counts_thousands.items():
        for sex, count in row.items():
            assert joint.shares[age][sex] == pytest.approx(count / total, abs=1e-5)


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_block_names_its_source(country: Country) -> None:
    census = load_census(country)
    blocks: list[Dimension | JointTable] = [*census.dimensions.values(), *census.joints]
    for block in blocks:
        assert block.source.publisher
        assert block.source.title
        assert 2020 <= block.source.year <= 2024
        assert block.notes.strip()
    for dimension in census.dimensions.values():
        assert dimension.labels.pl
        assert dimension.labels.en
        for category in dimension.categories:
            assert category.labels.pl
            assert category.labels.en


def test_the_same_dimensions_and_age_brackets_in_both_countries() -> None:
    poland, usa = load_census(Country.PL), load_census(Country.US)
    assert list(poland.dimensions) == list(usa.dimensions)
    brackets = ["age_18_24", "age_25_34", "age_35_44", "age_45_54", "age_55_64"]
    for census in (poland, usa):
        assert census.dimensions["age_group"].category_keys == [
            *brackets,
            "age_65_plus",
        ]
        assert census.dimensions["gender"].category_keys == ["male", "female"]


def test_poland_matches_published_census_figures() -> None:
    census = load_census("pl")
    # one population definition throughout: the NSP 2021 headline population
    assert census.population == 38_036_118
    assert census.population_verified
    location = census.dimensions["location"]
    assert len(location.categories) == 16
    counts = {c.key: c.population for c in location.categories}
    assert sum(p or 0 for p in counts.values()) == 38_036_118
    for category in location.categories:
        assert category.population is not None
        assert category.share == pytest.approx(
            category.population / 38_036_118, abs=1e-5
        )
    # corrected: łódzkie was the end-2020 register balance (2,437,970)
    assert counts["lodzkie"] == 2_410_286
    assert counts["mazowieckie"] == 5_514_699
    assert census.dimensions["urban_rural"].shares == {"urban": 0.598, "rural": 0.402}
    education = census.dimensions["education"]
    assert education.category_keys == [
        "primary_or_less",
        "basic_vocational",
        "secondary",
        "post_secondary",
        "tertiary",
    ]
    # corrected: the 2.2 % incomplete primary (13-14-year-olds) is not basic
    # vocational; adults: primary or less 13.2 %, basic vocational 22.6 %
    assert education.shares["primary_or_less"] == pytest.approx(0.132, abs=5e-4)
    assert education.shares["basic_vocational"] == pytest.approx(0.226, abs=5e-4)
    secondary = education.shares["secondary"] + education.shares["post_secondary"]
    assert secondary == pytest.approx(0.375, abs=5e-4)
    assert education.shares["tertiary"] == pytest.approx(0.267, abs=5e-4)
    # corrected: the published Gini is 0.314 (2022), not 0.28
    income = census.dimensions["income"]
    assert income.lognormal is not None
    assert income.lognormal.gini == 0.314
    assert income.shares["pln_under_1500"] == pytest.approx(0.2334, abs=1e-4)


VERIFIED = {
    "pl": {
        "age_group": set(),
        "gender": set(),
        "location": {
            k
            for k in load_census("pl").dimensions["location"].category_keys
            if k != "zachodniopomorskie"
        },
        "urban_rural": {"urban", "rural"},
        "education": {"tertiary"},
        "income": set(),
    },
    "us": {
        "age_group": {"age_65_plus"},
        "gender": set(),
        "location": {"northeast", "midwest", "south", "west"},
        "urban_rural": {"urban", "rural"},
        "education": set(load_census("us").dimensions["education"].category_keys),
        "income": set(),
    },
}


@pytest.mark.parametrize("country", COUNTRIES)
def test_each_figure_says_whether_it_was_verified(country: Country) -> None:
    census = load_census(country)
    for key, dimension in census.dimensions.items():
        assert set(dimension.verified_keys) == VERIFIED[country.value][key], key
        # "recalled" stays only where nothing was confirmed by the check
        if dimension.status == "recalled":
            assert len(dimension.verified_keys) < len(dimension.categories)
        if dimension.verified_keys == dimension.category_keys:
            assert dimension.status != "recalled", key
    assert census.population_verified
    assert all(not joint.verified for joint in census.joints)


def test_poland_no_longer_has_recalled_blocks_the_check_resolved() -> None:
    census = load_census("pl")
    for key in ("location", "education", "income", "urban_rural"):
        assert census.dimensions[key].status != "recalled", key
    for dimension in census.dimensions.values():
        assert dimension.source.url is not None


def test_poland_adults_have_fewer_men_than_the_whole_population() -> None:
    # all ages: 48.3 % men; adults lose men to the longer lives of women
    men = load_census("pl").dimensions["gender"].shares["male"]
    assert 0.47 < men < 0.483


def test_poland_income_bands_follow_the_documented_lognormal() -> None:
    income = load_census("pl").dimensions["income"]
    assert income.lognormal is not None
    sigma = math.sqrt(2) * norm.ppf((1 + income.lognormal.gini) / 2)
    mu = math.log(income.lognormal.mean) - sigma**2 / 2
    distribution = lognorm(s=sigma, scale=math.exp(mu))
    for category in income.categories:
        assert category.range is not None
        high = math.inf if category.range.max is None else category.range.max
        expected = distribution.cdf(high) - distribution.cdf(category.range.min)
        assert category.share == pytest.approx(expected, abs=1e-5), category.key


def test_us_regions_and_urban_share_sum_to_the_census_population() -> None:
    census = load_census("us")
    for key in ("location", "urban_rural"):
        populations = [c.population for c in census.dimensions[key].categories]
        assert sum(p or 0 for p in populations) == 331_449_281
    assert census.dimensions["urban_rural"].shares["urban"] == pytest.approx(
        0.8, abs=1e-3
    )


def test_us_education_is_the_cps_table_renormalised() -> None:
    shares = load_census("us").dimensions["education"].shares
    published = [9, 28, 15, 10, 23, 14]
    assert list(shares.values()) == pytest.approx(
        [p / sum(published) for p in published], abs=1e-5
    )


def test_us_income_bands_put_the_median_at_the_published_value() -> None:
    income = load_census("us").dimensions["income"]
    cumulative = 0.0
    for category in income.categories:
        assert category.range is not None
        assert category.range.max is not None
        if cumulative + category.share >= 0.5:
            fraction = (0.5 - cumulative) / category.share
            width = category.range.max - category.range.min
            median = category.range.min + fraction * width
            break
        cumulative += category.share
    assert median == pytest.approx(80_610, rel=0.01)


def test_us_65_plus_matches_the_census_count() -> None:
    (joint,) = load_census("us").joints
    assert joint.counts_thousands is not None
    assert sum(joint.counts_thousands["age_65_plus"].values()) == pytest.approx(55_800)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Mężczyzna", "mezczyzna"),
        ("ŁÓDZKIE", "lodzkie"),
        ("18\u201324", "18_24"),  # en dash
        ("65+", "65_plus"),
        ("1,500\u20132,499 PLN", "1500_2499_pln"),
        ("  Some college, no degree ", "some_college_no_degree"),
    ],
)
def test_normalise_label(text: str, folded: str) -> None:
    assert normalise_label(text) == folded


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_label_resolves_to_its_own_category(country: Country) -> None:
    for dimension in load_census(country).dimensions.values():
        for category in dimension.categories:
            for name in category.names():
                assert dimension.resolve(name) == category.key, name


def test_shares_not_summing_to_one_are_rejected() -> None:
    raw = _raw(Country.PL)
    dimensions = raw["dimensions"]
    assert isinstance(dimensions, dict)
    dimensions["urban_rural"]["categories"][0]["share"] = 0.7
    with pytest.raises(ValidationError, match="shares sum to"):
        Census.model_validate(raw)


def test_an_alias_shared_by_two_categories_is_rejected() -> None:
    raw = _raw(Country.PL)
    dimensions = raw["dimensions"]
    assert isinstance(dimensions, dict)
    dimensions["gender"]["categories"][1]["aliases"].append("Male")
    with pytest.raises(ValidationError, match="matches both"):
        Census.model_validate(raw)


def test_a_joint_table_disagreeing_with_its_marginal_is_rejected() -> None:
    raw = _raw(Country.US)
    joints = raw["joints"]
    assert isinstance(joints, list)
    shares = joints[0]["shares"]
    shares["age_18_24"]["male"] += 0.01
    shares["age_65_plus"]["male"] -= 0.01
    with pytest.raises(ValidationError, match="marginal differs"):
        Census.model_validate(raw)


def test_load_census_accepts_codes_in_any_case_and_caches() -> None:
    assert load_census("PL") is load_census(Country.PL)
    with pytest.raises(ValueError, match="de"):
        load_census("de")


def test_seed_table_is_positive_everywhere() -> None:
    for country in COUNTRIES:
        census = load_census(country)
        for dimension in census.dimensions.values():
            assert np.all(np.array(list(dimension.shares.values())) > 0)
