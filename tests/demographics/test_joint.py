"""build_joint / fit_ipf: marginals, preserved association, convergence report."""

import numpy as np
import pytest

from sight.demographics import Target, build_joint, load_census, validate_target
from sight.demographics.joint import census_seed, fit_ipf

MARGINAL_TOLERANCE = 1e-6


def _assert_marginals(target: Target) -> None:
    joint = build_joint(target, load_census(target.country))
    assert joint.convergence.converged
    assert joint.convergence.max_marginal_error < MARGINAL_TOLERANCE
    for dimension in joint.dimensions:
        fitted = joint.marginal_shares(dimension)
        for key, share in target.shares(dimension).items():
            assert fitted[key] == pytest.approx(share, abs=MARGINAL_TOLERANCE)


@pytest.mark.parametrize(
    ("country", "raw"),
    [
        ("pl", {}),
        ("us", {}),
        ("pl", {"education": {"tertiary": 0.7, "secondary": 0.3}}),
        ("pl", {"age_group": {"65+": 1}, "income": {"7500+": 0.5, "<1500": 0.5}}),
        (
            "pl",
            {
                "age_group": {"18-24": 0.3, "25-34": 0.5, "35-44": 0.2},
                "gender": {"Male": 0.7, "Female": 0.3},
                "location": {"mazowieckie": 0.6, "podlaskie": 0.4},
                "urban_rural": {"urban": 1},
            },
        ),
        ("us", {"gender": {"female": 1}, "location": {"west": 0.5, "south": 0.5}}),
        (
            "us",
            {
                "age_group": {"18-24": 0.5, "65+": 0.5},
                "gender": {"male": 0.5, "female": 0.5},
            },
        ),
    ],
)
def test_ipf_meets_every_target_marginal(country: str, raw: dict[str, object]) -> None:
    _assert_marginals(validate_target(raw, country))


@pytest.mark.parametrize("country", ["pl", "us"])
def test_age_sex_association_is_kept_when_both_are_free(country: str) -> None:
    census = load_census(country)
    target = validate_target(
        {"education": {"tertiary" if country == "pl" else "bachelors": 1}}, country
    )
    joint = build_joint(target, census)
    (table,) = census.joints
    published = table.array(census.dimensions["age_group"], census.dimensions["gender"])
    fitted = joint.marginal("age_group", "gender")
    assert np.abs(fitted - published / published.sum()).max() < MARGINAL_TOLERANCE
    # and the women's share rises with age, as in the census
    women = fitted[:, 1] / fitted.sum(axis=1)
    assert women[-1] > women[0] + 0.05


def test_odds_ratios_survive_when_age_and_sex_are_both_constrained() -> None:
    census = load_census("pl")
    target = validate_target(
        {
            "age_group": {"18-24": 0.2, "45-54": 0.3, "65+": 0.5},
            "gender": {"Male": 0.6, "Female": 0.4},
        },
        "pl",
    )
    joint = build_joint(target, census)
    assert joint.convergence.iterations > 1  # a real fit, not a single rescaling
    (table,) = census.joints
    seed = table.array(census.dimensions["age_group"], census.dimensions["gender"])
    fitted = joint.marginal("age_group", "gender")
    kept = [0, 3, 5]

    def odds_ratios(m: np.ndarray) -> list[float]:
        odds = m[kept, 0] / m[kept, 1]
        return [float(v) for v in odds / odds[0]]

    assert odds_ratios(fitted) == pytest.approx(odds_ratios(seed), rel=1e-6)
    assert fitted.sum(axis=0) == pytest.approx([0.6, 0.4], abs=MARGINAL_TOLERANCE)


def test_excluded_age_brackets_have_no_mass() -> None:
    target = validate_target({"age_group": {"25-34": 0.5, "35-44": 0.5}}, "us")
    joint = build_joint(target)
    ages = joint.marginal("age_group")
    assert ages[[0, 3, 4, 5]].sum() == 0
    assert joint.array().shape == joint.shape
    assert len(joint.probabilities) == int(np.prod(joint.shape))


def test_dimensions_without_a_joint_table_stay_independent() -> None:
    target = validate_target({"education": {"tertiary": 0.5, "secondary": 0.5}}, "pl")
    joint = build_joint(target)
    education_by_region = joint.marginal("location", "education")
    conditional = education_by_region / education_by_region.sum(axis=1, keepdims=True)
    assert np.abs(conditional - conditional[0]).max() < 1e-12


def test_census_for_another_country_is_refused() -> None:
    with pytest.raises(ValueError, match="census for"):
        build_joint(validate_target({}, "pl"), load_census("us"))


def test_seed_is_a_distribution() -> None:
    seed = census_seed(load_census("pl"))
    assert seed.shape == (6, 2, 16, 2, 5, 6)
    assert seed.sum() == pytest.approx(1)
    assert (seed > 0).all()


def test_ipf_reports_non_convergence_for_an_impossible_target() -> None:
    seed = np.array([[0.5, 0.0], [0.0, 0.5]])
    # the seed allows only the diagonal, so row and column marginals must agree
    targets = [np.array([0.9, 0.1]), np.array([0.1, 0.9])]
    _, convergence = fit_ipf(seed, targets, max_iterations=50)
    assert not convergence.converged
    assert convergence.iterations == 50
    assert convergence.max_marginal_error > 0.1


def test_ipf_on_a_small_table_matches_known_raking() -> None:
    seed = np.array([[1.0, 2.0], [3.0, 4.0]])
    table, convergence = fit_ipf(seed, [np.array([0.5, 0.5]), np.array([0.5, 0.5])])
    assert convergence.converged
    assert table.sum(axis=1) == pytest.approx([0.5, 0.5], abs=1e-10)
    assert table.sum(axis=0) == pytest.approx([0.5, 0.5], abs=1e-10)
    # symmetric margins with odds ratio (1*4)/(2*3) = 2/3 determine the table
    assert (table[0, 0] * table[1, 1]) / (table[0, 1] * table[1, 0]) == pytest.approx(
        2 / 3
    )
    assert table[0, 0] == pytest.approx(table[1, 1])
