"""TargetDemographicsError: message and JSON payload."""

from sight.demographics import Problem, TargetDemographicsError


def test_error_lists_every_problem_in_its_message_and_payload() -> None:
    problems = [
        Problem(path="target_demographics.gender", message="empty", allowed=["male"]),
        Problem(path="target_demographics.x", message="unknown dimension 'x'"),
    ]
    error = TargetDemographicsError(problems)
    assert isinstance(error, ValueError)
    assert error.problems == problems
    assert "(2)" in str(error)
    assert "target_demographics.gender: empty" in str(error)
    assert error.to_payload() == [
        {"path": "target_demographics.gender", "message": "empty", "allowed": ["male"]},
        {
            "path": "target_demographics.x",
            "message": "unknown dimension 'x'",
            "allowed": [],
        },
    ]
