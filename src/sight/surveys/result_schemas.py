"""Response models of `GET /surveys/{id}/results` and `/crosstabs`.

The statistics are computed as plain dicts in a worker thread (`statistics`,
`bias`, `themes`, `crosstabs`) and stored as JSON; these models describe that
shape for the OpenAPI document (and so the web app's generated types) and
check it on the way out. A question's fields depend on its type: a choice
question has `options` of `ShareRow`, a ranking `options` of `RankingRow`, a
rating `distribution` of `ShareRow` and a `summary`, a number a histogram
`distribution`, open text `themes`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    # Stored results may carry fields of a newer version: keep, don't fail.
    model_config = ConfigDict(extra="allow")


class ShareRow(_Out):
    """A count and share with its 95 % Wilson interval and the share answering
    at random would give (`baseline`)."""

    option: str | int
    count: int
    share: float | None
    ci_low: float | None
    ci_high: float | None
    baseline: float | None


class HistogramBin(_Out):
    low: float | None
    high: float | None
    count: int
    share: float | None
    baseline: float | None


class Summary(_Out):
    """Mean with a t interval, median with a bootstrap interval, mode, sd."""

    n: int
    mean: float | None = None
    mean_ci_low: float | None = None
    mean_ci_high: float | None = None
    median: float | None = None
    median_ci_low: float | None = None
    median_ci_high: float | None = None
    mode: float | None = None
    sd: float | None = None
    min: float | None = None
    max: float | None = None


class TopShare(_Out):
    count: int
    share: float | None
    ci_low: float | None
    ci_high: float | None
    baseline: float | None


class RankingRow(_Out):
    option: str
    mean_rank: float | None
    ci_low: float | None
    ci_high: float | None
    rank_counts: list[int]
    # "1".."k": share of respondents ranking the option in their top k.
    top: dict[str, TopShare]


class Theme(_Out):
    label: str
    keywords: list[str]
    count: int
    share: float
    quotes: list[str]
    method: str  # embedding-clusters | keywords


class GuardFlag(_Out):
    """A bias warning as a code and its numbers (the web app words it)."""

    code: str
    share: float | None = None
    option: str | None = None
    sd: float | None = None
    field: str | None = None
    v: float | None = None


class PositionEffect(_Out):
    n: int
    testable: bool
    chosen_by_position: list[int] | None = None
    first_share: float | None = None
    expected_share: float | None = None
    chi2: float | None = None
    p: float | None = None
    flagged: bool | None = None


class RatingMethod(_Out):
    two_pass: int
    direct: int
    mean_similarity: float | None


class QuestionGuards(_Out):
    warnings: list[str]
    flags: list[GuardFlag] = []
    position_effect: PositionEffect | None = None
    rating_method: RatingMethod | None = None


class QuestionResult(_Out):
    id: str
    type: str
    title: str
    n: int
    skipped: int
    options: list[ShareRow] | list[RankingRow] | None = None
    distribution: list[ShareRow] | list[HistogramBin] | None = None
    summary: Summary | None = None
    unit: str | None = None
    baseline_mean: float | None = None
    baseline_mean_rank: float | None = None
    top_k: int | None = None
    mean_selected: float | None = None
    themes: list[Theme] | None = None
    # Open text in a run's results: the statistics are stored first, the
    # themes a moment later (the `results`, then `completed` stream events).
    themes_pending: bool | None = None
    guards: QuestionGuards | None = None


class SurveyWarning(_Out):
    question_id: str
    message: str


class SurveyGuards(_Out):
    shuffle_options: bool
    rating_mode: str
    heterogeneous_sample: bool
    warnings: list[SurveyWarning]


class SurveyResults(_Out):
    respondents: int
    questions: list[QuestionResult]
    guards: SurveyGuards
    computed_at: str | None = None
    status: str
    # Computed now from answers newer than the stored results (during a run).
    stale: bool


class IndependenceTest(_Out):
    """Chi-square test of independence; Fisher's exact (2 x 2) or a
    permutation p-value where expected counts are small (`p_used`)."""

    testable: bool
    reason: str | None = None
    test: str | None = None
    chi2: float | None = None
    df: int | None = None
    p: float | None = None
    p_used: float | None = None
    cramers_v: float | None = None
    min_expected: float | None = None
    small_expected: bool | None = None
    fisher_p: float | None = None
    permutation_p: float | None = None
    significant: bool | None = None


class OptionTest(IndependenceTest):
    option: str


class CrosstabCell(_Out):
    column: str
    count: int
    share: float | None
    residual: float
    # |adjusted residual| > 1.96: the cell differs from independence (5 %).
    marker: Literal["higher", "lower"] | None


class CrosstabRow(_Out):
    group: str
    n: int
    cells: list[CrosstabCell]


class Crosstab(_Out):
    question_id: str
    by: list[str]
    columns: list[str]
    rows: list[CrosstabRow]
    # One test of the whole table; for multiple choice one per option in `tests`.
    test: IndependenceTest | None
    tests: list[OptionTest] | None = None
