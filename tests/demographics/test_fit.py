"""fit_report: chi-square where it is valid, honest nulls where it is not."""

import numpy as np
import pytest
from scipy.special import chdtrc  # type: ignore[import-untyped]
from scipy.stats import chisquare  # type: ignore[import-untyped]

from sight.demographics import (
    Cell,
    build_joint,
    fit_report,
    quota_sample,
    validate_target,
)
from sight.demographics.fit import chi2_sf


def _cells(country: str, raw: dict[str, object], n: int, seed: int = 0) -> list[Cell]:
    return quota_sample(build_joint(validate_target(raw, country)), n, seed)


def test_quota_sample_passes_with_p_values_for_large_n() -> None:
    target = validate_target({}, "pl")
    report = fit_report(_cells("pl", {}, 1000), target)
    assert report.verdict == "pass"
    assert report.n == 1000
    for dimension in report.dimensions:
        assert dimension.p_value is not None, dimension.dimension
        assert dimension.p_value > 0.9
        assert dimension.within_rounding
        assert dimension.max_abs_share_deviation <= 1 / 1000
    assert report.per_test_alpha == pytest.approx(0.05 / 6)


def test_p_value_is_null_with_a_reason_when_expected_counts_are_below_one() -> None:
    target = validate_target({}, "pl")
    report = fit_report(_cells("pl", {}, 7), target)
    location = next(d for d in report.dimensions if d.dimension == "location")
    assert location.p_value is None
    assert location.p_value_reason is not None
    assert "below 1" in location.p_value_reason
    assert location.degrees_of_freedom == 15
    # exact quota counts are recognised, but 7 personas cannot show a match
    assert location.within_rounding
    assert location.verdict == "inconclusive"
    assert "too small" in location.reason


def test_p_value_is_null_under_cochrans_rule() -> None:
    # 20 personas over six age brackets: expected counts between 1 and 5
    target = validate_target({}, "pl")
    report = fit_report(_cells("pl", {}, 20), target)
    age = next(d for d in report.dimensions if d.dimension == "age_group")
    assert age.p_value is None
    assert age.p_value_reason is not None
    assert "Cochran" in age.p_value_reason


@pytest.mark.parametrize("dof", [1, 2, 3, 4, 5, 7, 10, 15, 16, 31, 60, 151, 300])
def test_chi_square_tail_agrees_with_scipy(dof: int) -> None:
    # From far below the mean to deep in the tail, where the terms are tiny.
    for x in np.geomspace(1e-6, 20.0 * dof + 200.0, 300):
        expected = float(chdtrc(dof, x))
        assert chi2_sf(float(x), dof) == pytest.approx(expected, rel=1e-11, abs=1e-300)
    assert chi2_sf(0.0, dof) == 1.0


def test_statistic_agrees_with_scipy() -> None:
    target = validate_target({"gender": {"Male": 0.5, "Female": 0.5}}, "us")
    cells = [{"gender": "male"}] * 70 + [{"gender": "female"}] * 30
    (gender,) = fit_report(cells, target, dimensions=["gender"]).dimensions
    statistic, p_value = chisquare([70, 30], [50, 50])
    assert gender.chi_square == pytest.approx(statistic)
    assert gender.p_value == pytest.approx(p_value)
    assert gender.degrees_of_freedom == 1
    assert gender.verdict == "fail"
    assert [c.observed for c in gender.categories] == [70, 30]
    assert [c.expected for c in gender.categories] == [50, 50]
    assert gender.max_abs_share_deviation == pytest.approx(0.2)


def test_biased_sample_fails_overall() -> None:
    target = validate_target({}, "pl")
    cells = [c.attributes for c in _cells("pl", {}, 400)]
    for attributes in cells[:100]:
        attributes["urban_rural"] = "urban"  # push the urban share from 60 % to ~85 %
    report = fit_report(cells, target)
    assert report.verdict == "fail"
    urban = next(d for d in report.dimensions if d.dimension == "urban_rural")
    assert urban.p_value is not None
    assert urban.p_value < 1e-3
    assert "urban_rural" in report.summary


def test_random_sample_from_the_census_usually_passes() -> None:
    target = validate_target({"gender": {"Male": 0.5, "Female": 0.5}}, "pl")
    rng = np.random.default_rng(3)
    passes = 0
    for _ in range(40):
        cells = [{"gender": str(g)} for g in rng.choice(["male", "female"], size=300)]
        (gender,) = fit_report(cells, target, dimensions=["gender"]).dimensions
        passes += gender.verdict == "pass"
    assert passes >= 34  # alpha 0.05: about 38 of 40 expected


def test_a_category_the_target_excludes_fails_without_a_p_value() -> None:
    target = validate_target({"age_group": {"25-34": 1}}, "pl")
    cells = [{"age_group": "25-34"}] * 9 + [{"age_group": "65+"}]
    (age,) = fit_report(cells, target, dimensions=["age_group"]).dimensions
    assert age.verdict == "fail"
    assert age.unexpected == {"age_65_plus": 1}
    assert age.p_value is None


def test_only_one_possible_category_has_nothing_to_test() -> None:
    target = validate_target({"gender": {"Female": 1}}, "pl")
    (gender,) = fit_report(
        [{"gender": "female"}] * 50, target, dimensions=["gender"]
    ).dimensions
    assert gender.p_value is None
    assert gender.degrees_of_freedom == 0
    assert gender.verdict == "pass"


def test_labels_aliases_and_missing_values() -> None:
    target = validate_target({"gender": {"Male": 0.5, "Female": 0.5}}, "pl")
    cells = [{"gender": "Mężczyzna"}, {"gender": "Kobieta"}, {"gender": "other"}, {}]
    (gender,) = fit_report(cells, target, dimensions=["gender"]).dimensions
    assert [c.observed for c in gender.categories] == [1, 1]
    assert gender.unexpected == {"other": 1, "<missing>": 1}
    assert gender.verdict == "fail"


def test_no_personas_is_inconclusive() -> None:
    report = fit_report([], validate_target({}, "us"))
    assert report.verdict == "inconclusive"
    assert all(d.p_value_reason == "no personas" for d in report.dimensions)


def test_small_off_target_sample_is_inconclusive_not_pass() -> None:
    # 5 personas, all in one region: too few for a test, but not within rounding
    target = validate_target({}, "us")
    cells = [{"location": "south"}] * 5
    (location,) = fit_report(cells, target, dimensions=["location"]).dimensions
    assert location.p_value is None
    assert not location.within_rounding
    assert location.verdict == "inconclusive"


def test_unknown_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dimensions"):
        fit_report([], validate_target({}, "pl"), dimensions=["religion"])


def test_report_serialises_null_p_values() -> None:
    report = fit_report(_cells("us", {}, 7), validate_target({}, "us"))
    payload = report.model_dump(mode="json")
    location = next(d for d in payload["dimensions"] if d["dimension"] == "location")
    assert location["p_value"] is None
    assert isinstance(location["p_value_reason"], str)


def test_four_personas_exactly_on_target_are_too_few_to_judge() -> None:
    # 2 women and 2 men against 50/50: as exact as whole people allow, but
    # expected counts of 2 are far below what the chi-square test needs.
    target = validate_target({"gender": {"Male": 0.5, "Female": 0.5}}, "us")
    cells = [{"gender": "male"}] * 2 + [{"gender": "female"}] * 2
    report = fit_report(cells, target, dimensions=["gender"])
    assert report.verdict == "inconclusive"
    assert report.summary.startswith("too few personas to judge")
    (gender,) = report.dimensions
    assert gender.within_rounding
    assert "N=4 is too small" in gender.reason
