"""validate_target: aliases, normalisation, fallbacks and every kind of error."""

import pytest

from sight.demographics import (
    Country,
    Problem,
    TargetDemographicsError,
    load_census,
    validate_target,
)

ORIGINAL_SHAPE = {
    "age_group": {"18-24": 0.3, "25-34": 0.5, "35-44": 0.2},
    "gender": {"Male": 0.5, "Female": 0.5},
    "education": {"Wyższe": 0.6, "Średnie": 0.4},
    "income": {"1500-2499": 0.5, "2500-3499": 0.5},
    "location": {"Mazowieckie": 0.5, "Śląskie": 0.5},
    "urban_rural": {"Urban": 0.8, "Rural": 0.2},
}


def _problems(raw: object, country: str = "pl") -> list[Problem]:
    with pytest.raises(TargetDemographicsError) as caught:
        validate_target(raw, country)  # type: ignore[arg-type]
    return caught.value.problems


def _only(raw: object, country: str = "pl") -> Problem:
    (problem,) = _problems(raw, country)
    return problem


def test_original_api_shape_is_normalised_to_canonical_keys() -> None:
    target = validate_target(ORIGINAL_SHAPE, Country.PL)
    assert target.shares("age_group") == {
        "age_18_24": 0.3,
        "age_25_34": 0.5,
        "age_35_44": 0.2,
        "age_45_54": 0.0,
        "age_55_64": 0.0,
        "age_65_plus": 0.0,
    }
    assert target.shares("gender") == {"male": 0.5, "female": 0.5}
    assert target.shares("education")["tertiary"] == 0.6
    assert target.shares("location")["slaskie"] == 0.5
    assert target.shares("income")["pln_1500_2499"] == 0.5
    assert sorted(target.specified) == sorted(ORIGINAL_SHAPE)


@pytest.mark.parametrize(
    ("male", "female"),
    [
        ("Male", "Female"),
        ("male", "female"),
        ("MALE", "FEMALE"),
        ("Mężczyzna", "Kobieta"),
        ("mężczyzna", "KOBIETA"),
        ("M", "F"),
    ],
)
def test_gender_aliases(male: str, female: str) -> None:
    target = validate_target({"gender": {male: 0.25, female: 0.75}}, "pl")
    assert target.shares("gender") == {"male": 0.25, "female": 0.75}


@pytest.mark.parametrize("label", ["65+", "65 i więcej", "age_65_plus", "65-plus"])
def test_open_age_bracket_aliases(label: str) -> None:
    target = validate_target({"age_group": {label: 1.0}}, "us")
    assert target.age_groups == ["age_65_plus"]


@pytest.mark.parametrize("name", ["sex", "Płeć", "GENDER"])
def test_dimension_aliases(name: str) -> None:
    target = validate_target({name: {"female": 1}}, "pl")
    assert target.dimensions["gender"].origin == "target"


def test_us_categories_accept_their_labels() -> None:
    target = validate_target(
        {
            "education": {"Bachelor's degree": 0.5, "High school": 0.5},
            "location": {"Northeast": 1},
            "income": {"$75,000\u201399,999": 1},
        },
        "us",
    )
    assert target.shares("education")["bachelors"] == 0.5
    assert target.shares("education")["high_school"] == 0.5
    assert target.shares("income")["usd_75k_100k"] == 1


def test_empty_target_is_the_census() -> None:
    census = load_census("us")
    target = validate_target({}, "us")
    for key, dimension in census.dimensions.items():
        assert target.dimensions[key].origin == "census"
        assert target.shares(key) == dimension.shares
    assert validate_target(None, "us") == target


def test_age_subset_restricts_the_population_and_conditions_gender() -> None:
    target = validate_target({"age_group": {"25-34": 0.5, "35-44": 0.5}}, "pl")
    assert target.age_groups == ["age_25_34", "age_35_44"]
    (joint,) = load_census("pl").joints
    young, middle = joint.shares["age_25_34"], joint.shares["age_35_44"]
    expected_men = 0.5 * young["male"] / sum(young.values()) + 0.5 * middle[
        "male"
    ] / sum(middle.values())
    gender = target.dimensions["gender"]
    assert gender.origin == "census_conditional"
    assert gender.conditioned_on == "age_group"
    assert gender.shares["male"] == pytest.approx(expected_men, abs=1e-12)
    # voivodeship has no joint table with age: plain census
    assert target.dimensions["location"].origin == "census"


def test_elderly_target_gets_more_women_than_the_adult_population() -> None:
    adults = load_census("pl").dimensions["gender"].shares["female"]
    elderly = validate_target({"age_group": {"65+": 1}}, "pl").shares("gender")
    assert elderly["female"] > adults + 0.05


def test_gender_only_target_conditions_age() -> None:
    women = validate_target({"gender": {"Female": 1}}, "pl").dimensions["age_group"]
    adults = load_census("pl").dimensions["age_group"].shares
    assert women.origin == "census_conditional"
    assert women.shares["age_65_plus"] > adults["age_65_plus"]
    assert sum(women.shares.values()) == pytest.approx(1)


def test_sum_within_tolerance_is_renormalised() -> None:
    target = validate_target({"gender": {"Male": 0.504, "Female": 0.5}}, "pl")
    assert sum(target.shares("gender").values()) == pytest.approx(1, abs=1e-12)
    assert target.shares("gender")["male"] == pytest.approx(0.504 / 1.004)


def test_unknown_category_reports_path_and_allowed_keys() -> None:
    problem = _only({"age_group": {"17-20": 0.5, "25-34": 0.5}})
    assert problem.path == "target_demographics.age_group.17-20"
    assert "unknown category" in problem.message
    assert problem.allowed == load_census("pl").dimensions["age_group"].category_keys


def test_unknown_dimension() -> None:
    problem = _only({"religion": {"x": 1}})
    assert problem.path == "target_demographics.religion"
    assert "unknown dimension" in problem.message
    assert problem.allowed == list(load_census("pl").dimensions)


def test_negative_share() -> None:
    problem = _only({"gender": {"Male": 1.2, "Female": -0.2}})
    assert problem.path == "target_demographics.gender.Female"
    assert "negative" in problem.message


@pytest.mark.parametrize("value", ["0.5", None, True, [0.5]])
def test_non_numeric_share(value: object) -> None:
    problem = _only({"gender": {"Male": value, "Female": 0.5}})
    assert problem.path == "target_demographics.gender.Male"
    assert "must be a number" in problem.message


def test_non_finite_share() -> None:
    problem = _only({"gender": {"Male": float("nan"), "Female": 0.5}})
    assert "finite" in problem.message


def test_empty_distribution() -> None:
    problem = _only({"education": {}})
    assert problem.path == "target_demographics.education"
    assert "empty" in problem.message
    assert "tertiary" in problem.allowed


def test_distribution_that_is_not_an_object() -> None:
    problem = _only({"gender": 0.5})
    assert problem.path == "target_demographics.gender"
    assert "object" in problem.message


def test_sum_outside_tolerance_states_the_sum() -> None:
    problem = _only({"gender": {"Male": 0.5, "Female": 0.52}})
    assert problem.path == "target_demographics.gender"
    assert "sum to 1.02" in problem.message


def test_percentages_get_a_hint() -> None:
    problem = _only({"gender": {"Male": 50, "Female": 50}})
    assert "sum to 100" in problem.message
    assert "percentages" in problem.message


def test_all_zero_shares() -> None:
    problem = _only({"gender": {"Male": 0, "Female": 0}})
    assert "sum to 0" in problem.message


def test_same_category_twice_through_aliases() -> None:
    problem = _only({"gender": {"Male": 0.5, "mężczyzna": 0.5}})
    assert problem.path == "target_demographics.gender.mężczyzna"
    assert "given twice" in problem.message


def test_same_dimension_twice_through_aliases() -> None:
    problem = _only({"gender": {"Male": 1}, "sex": {"Male": 1}})
    assert problem.path == "target_demographics.sex"


def test_target_that_is_not_an_object() -> None:
    problem = _only(["age_group"])
    assert problem.path == "target_demographics"


def test_unknown_country() -> None:
    problem = _only({}, country="xx")
    assert problem.path == "country"
    assert problem.allowed == ["pl", "us"]


def test_every_problem_is_reported_at_once() -> None:
    problems = _problems(
        {
            "age_group": {"17-20": 0.5},
            "gender": {"Male": -1, "Female": 2},
            "religion": {},
            "income": {},
        }
    )
    assert [p.path for p in problems] == [
        "target_demographics.age_group.17-20",
        "target_demographics.gender.Male",
        "target_demographics.religion",
        "target_demographics.income",
    ]


def test_polish_categories_are_not_valid_for_the_us() -> None:
    problem = _only({"location": {"mazowieckie": 1}}, country="us")
    assert problem.allowed == ["northeast", "midwest", "south", "west"]
