"""One respondent answers the questionnaire: one structured call for all
questions, validation per answer, a repair call for only the answers that
failed, and the two-pass mapping of ratings given in words.

No database session is held here: the caller stores the result.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.prompts import surveys as prompts
from sight.surveys.batching import EmbeddingBatcher
from sight.surveys.mapping import map_to_scale
from sight.surveys.questionnaire import answers_of, output_model, shown_questions
from sight.surveys.schemas import Question
from sight.surveys.validation import CHOICE_TYPES, check_answer, is_shown

MAX_REPAIRS = 2
# A part of the questionnaire is planned to need at most this share of the
# route's output limit (`max_tokens`), leaving room for longer answers.
OUTPUT_HEADROOM = 0.7


def output_tokens(question: Question, words: bool) -> int:
    """Expected output tokens of one answer (JSON key and value)."""
    options = len(question.options or [])
    return {
        "single-choice": 10,
        "multiple-choice": 8 + 6 * options // 2,
        "ranking": 8 * options,
        "rating-scale": 45 if words else 6,
        "numeric": 8,
        "open-text": 70,
    }[question.type]


def plan_parts(
    questions: list[Question], words: bool, max_tokens: int
) -> list[list[Question]]:
    """The questionnaire in order, cut into as few consecutive parts as keep
    each part's expected answer within `OUTPUT_HEADROOM` of the model's output
    limit: one part (one call) for all but very long questionnaires."""
    budget = max(1, int(max_tokens * OUTPUT_HEADROOM)) - 20  # JSON braces
    parts: list[list[Question]] = [[]]
    used = 0
    for question in questions:
        need = output_tokens(question, words)
        if parts[-1] and used + need > budget:
            parts.append([])
            used = 0
        parts[-1].append(question)
        used += need
    return parts


@dataclass
class RunSetup:
    """What every respondent of a run shares."""

    questions: list[Question]
    language: str
    title: str
    description: str
    shuffle: bool
    rating_words: bool
    seed: int
    # Two-pass anchors per rating question: (vectors, owning anchor position).
    anchors: dict[str, tuple[list[list[float]], list[int]]] = field(
        default_factory=dict
    )
    # Shared by the run's respondents, so their words are embedded in batches.
    batcher: EmbeddingBatcher | None = None
    # The route's output limit: a questionnaire whose answers would not fit in
    # one call is asked in consecutive parts (`plan_parts`).
    max_tokens: int | None = None


@dataclass
class Answered:
    answers: dict[str, Any]
    details: dict[str, Any]
    raw_output: str
    generated_by: str
    repaired: list[str]
    unusable: list[str]


def respondent_rng(seed: int, persona_id: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{persona_id}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311


class _Evaluation:
    def __init__(self, setup: RunSetup, views: list[dict[str, Any]]) -> None:
        self.setup = setup
        self.views = {v["id"]: v for v in views}
        self.types = {q.id: q.type for q in setup.questions}
        self.raw: dict[str, Any] = {}
        self.mapped: dict[str, dict[str, Any]] = {}
        self.repaired: set[str] = set()

    def words_mode(self, question: Question) -> bool:
        return question.type == "rating-scale" and self.setup.rating_words

    def evaluate(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
        """Answers, details and problems of the shown questions, in order (skip
        logic reads the earlier validated answers)."""
        answers: dict[str, Any] = {}
        details: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for question in self.setup.questions:
            qid = question.id
            detail: dict[str, Any] = {"raw": self.raw.get(qid)}
            view = self.views[qid]
            if question.type in CHOICE_TYPES and self.setup.shuffle:
                detail["option_order"] = view["options"]
            if qid in self.repaired:
                detail["repaired"] = True
            if not is_shown(question, answers, self.types):
                answers[qid] = None
                detail["skipped"] = True
                details[qid] = detail
                continue
            value = self.raw.get(qid)
            if self.words_mode(question) and isinstance(value, str) and value.strip():
                mapping = self.mapped.get(qid)
                if mapping is None:
                    problem = "the answer in words could not be mapped"
                    value, problem = None, problem
                else:
                    detail["two_pass"] = {"text": value.strip(), **mapping}
                    value, problem = mapping["value"], None
            else:
                value, problem = check_answer(question, value)
            answers[qid] = value
            if problem:
                problems[qid] = problem
                detail["error"] = problem
            details[qid] = detail
        return answers, details, problems


async def _map_words(
    llm: LLMGateway, ctx: CallContext, evaluation: _Evaluation
) -> None:
    pending = [
        q
        for q in evaluation.setup.questions
        if evaluation.words_mode(q)
        and q.id not in evaluation.mapped
        and isinstance(evaluation.raw.get(q.id), str)
        and evaluation.raw[q.id].strip()
    ]
    if not pending:
        return
    texts = [evaluation.raw[q.id].strip() for q in pending]
    batcher = evaluation.setup.batcher
    vectors = (
        await batcher.embed(texts)
        if batcher is not None
        else await llm.embed(texts, ctx, flow="surveys.rating_map")
    )
    for question, vector in zip(pending, vectors, strict=True):
        anchor_vectors, owners = evaluation.setup.anchors[question.id]
        evaluation.mapped[question.id] = map_to_scale(
            vector,
            anchor_vectors,
            owners,
            int(question.scale_min or 1),
            int(question.scale_max or 5),
        )


async def answer_questionnaire(
    llm: LLMGateway,
    ctx: CallContext,
    setup: RunSetup,
    persona: dict[str, Any],
    persona_id: str,
) -> Answered:
    rng = respondent_rng(setup.seed, persona_id)
    views = shown_questions(
        setup.questions, rng, shuffle=setup.shuffle, rating_words=setup.rating_words
    )
    facts = {
        "language": setup.language,
        "survey_title": setup.title,
        "survey_description": setup.description,
        "persona": persona,
        "questions": views,
    }
    system = prompts.answer_system(setup.language)
    parts = (
        plan_parts(setup.questions, setup.rating_words, setup.max_tokens)
        if setup.max_tokens
        else [setup.questions]
    )
    texts: list[str] = []
    raw: dict[str, Any] = {}
    generated_by = ""
    for part in parts:
        ids = {q.id for q in part}
        part_views = [v for v in views if v["id"] in ids]
        # A later part sees the earlier parts' answers: one questionnaire, in order.
        part_facts = (
            {**facts, "questions": part_views, "earlier_answers": dict(raw)}
            if len(parts) > 1
            else facts
        )
        result = await llm.generate(
            "surveys.answer",
            output_model(part_views),
            system=system,
            prompt=prompts.questionnaire_prompt(part_facts),
            ctx=ctx,
            prompt_version=prompts.PROMPT_VERSION,
        )
        texts.append(result.text)
        raw.update(answers_of(result.output))
        generated_by = generated_by or result.generated_by
    evaluation = _Evaluation(setup, views)
    evaluation.raw = raw
    await _map_words(llm, ctx, evaluation)
    answers, details, problems = evaluation.evaluate()
    for _ in range(MAX_REPAIRS):
        if not problems:
            break
        failing = [
            {
                **evaluation.views[qid],
                "problem": problem,
                "show_if": None,
                "show_if_rule": None,
            }
            for qid, problem in problems.items()
        ]
        repair_facts = {**facts, "questions": failing}
        repaired = await llm.generate(
            "surveys.repair",
            output_model(failing),
            system=system,
            prompt=prompts.repair_prompt(repair_facts, evaluation.raw),
            ctx=ctx,
            prompt_version=prompts.PROMPT_VERSION,
        )
        texts.append(repaired.text)
        fixed = answers_of(repaired.output)
        for qid in problems:
            evaluation.raw[qid] = fixed.get(qid)
            evaluation.mapped.pop(qid, None)
            evaluation.repaired.add(qid)
        await _map_words(llm, ctx, evaluation)
        answers, details, problems = evaluation.evaluate()
    first = len(parts)
    raw_output = "".join(
        f"\n\n--- part {i + 1} of {first} ---\n{text}" if first > 1 else text
        for i, text in enumerate(texts[:first])
    ).lstrip("\n") + "".join(
        f"\n\n--- repair {i} ---\n{text}" for i, text in enumerate(texts[first:], 1)
    )
    return Answered(
        answers=answers,
        details=details,
        raw_output=raw_output,
        generated_by=generated_by,
        repaired=sorted(evaluation.repaired),
        unusable=sorted(problems),
    )


def persona_facts(persona: Any, traits: dict[str, Any]) -> dict[str, Any]:
    """What a respondent is told about itself (and the offline engine reads)."""
    profile = persona.profile or {}
    return {
        "name": persona.full_name,
        "age": persona.age,
        "gender": persona.gender,
        "location": persona.location,
        "urban_rural": persona.urban_rural,
        "education": persona.education,
        "income": f"{persona.income} {persona.income_currency}",
        "occupation": persona.occupation,
        "values": profile.get("values", [])[:4],
        "story": str(profile.get("background_story", ""))[:600],
        "traits": traits,
    }
