import { useState } from "react";
import { useI18n } from "../../i18n";
import type { Draft } from "./model";

/** The questionnaire as a respondent sees it; answering it shows skip logic at work. */
export function Preview({ draft }: { draft: Draft }) {
  const { t } = useI18n();
  const [answers, setAnswers] = useState<Record<string, string[]>>({});
  const set = (id: string, values: string[]) => setAnswers((a) => ({ ...a, [id]: values }));
  const shown = (showIfQuestion: string, values: string[]) =>
    !showIfQuestion || (answers[showIfQuestion] ?? []).some((v) => values.includes(v));

  return (
    <section className="sv-preview" aria-label={t("sv.preview.title")}>
      <h3>{draft.title || t("sv.preview.untitled")}</h3>
      {draft.description && <p className="muted">{draft.description}</p>}
      {draft.questions.map((q) => {
        if (!shown(q.showIfQuestion, q.showIfValues)) return null;
        const name = `preview-${q.key}`;
        const chosen = answers[q.id] ?? [];
        const options = q.options.filter((o) => o.trim());
        return (
          <fieldset key={q.key} className="sv-preview-question">
            <legend>
              {q.title || "…"}
              {q.required && <span aria-hidden="true"> *</span>}
            </legend>
            {q.type === "single-choice" &&
              options.map((o) => (
                <label key={o} className="inline">
                  <input type="radio" name={name} checked={chosen.includes(o)} onChange={() => set(q.id, [o])} /> {o}
                </label>
              ))}
            {q.type === "multiple-choice" &&
              options.map((o) => (
                <label key={o} className="inline">
                  <input
                    type="checkbox"
                    checked={chosen.includes(o)}
                    onChange={(e) => set(q.id, e.target.checked ? [...chosen, o] : chosen.filter((c) => c !== o))}
                  />{" "}
                  {o}
                </label>
              ))}
            {q.type === "rating-scale" && (
              <div className="sv-scale" role="radiogroup">
                {Array.from({ length: Math.max(0, q.scaleMax - q.scaleMin + 1) }, (_, k) => String(q.scaleMin + k)).map((v) => (
                  <button
                    key={v}
                    type="button"
                    role="radio"
                    aria-checked={chosen.includes(v)}
                    className={chosen.includes(v) ? "" : "secondary"}
                    onClick={() => set(q.id, [v])}
                  >
                    {v}
                  </button>
                ))}
              </div>
            )}
            {q.type === "numeric" && (
              <label className="inline">
                <input type="number" min={q.min} max={q.max} onChange={(e) => set(q.id, [e.target.value])} /> {q.unit}
                <span className="muted small"> ({q.min}–{q.max})</span>
              </label>
            )}
            {q.type === "ranking" && (
              <ol className="sv-rank-preview">
                {options.map((o) => (
                  <li key={o}>{o}</li>
                ))}
                <p className="muted small">{t("sv.preview.rankHint")}</p>
              </ol>
            )}
            {q.type === "open-text" && <textarea rows={2} onChange={(e) => set(q.id, [e.target.value])} />}
          </fieldset>
        );
      })}
    </section>
  );
}
