import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { byKey } from "../focus_groups/text";
import { crosstabKey, useSurveysApi } from "./api";
import type { IndependenceTest, QuestionResult } from "./types";

const FIELDS = ["age_group", "gender", "urban_rural", "education", "income_band", "location"];
const DIMENSION: Record<string, string> = { income_band: "income" };

function TestLine({ test }: { test: IndependenceTest }) {
  const { t, formatNumber } = useI18n();
  if (!test.testable) return <p className="muted small">{t("sv.crosstab.untestable")}</p>;
  const p = test.p_used ?? test.p ?? 1;
  return (
    <p className={`small ${test.significant ? "sv-significant" : "muted"}`}>
      {test.significant ? "★ " : ""}
      {t("sv.crosstab.test", {
        chi2: formatNumber(test.chi2 ?? 0),
        df: test.df ?? 0,
        p: p < 0.001 ? "< 0.001" : formatNumber(Math.round(p * 1000) / 1000),
        v: formatNumber(test.cramers_v ?? 0),
      })}
      {test.small_expected && (
        <span className="sv-warning">
          {" "}
          {test.test === "fisher-exact" ? t("sv.crosstab.fisher") : t("sv.crosstab.permutation")}
        </span>
      )}
    </p>
  );
}

/** A closed question by one demographic field or two, with significance markers. */
export function Crosstabs({ surveyId, questions }: { surveyId: string; questions: QuestionResult[] }) {
  const { t, formatNumber } = useI18n();
  const tk = byKey(t);
  const surveys = useSurveysApi();
  const closed = questions.filter((q) => q.type !== "open-text");
  const [question, setQuestion] = useState(closed[0]?.id ?? "");
  const [by, setBy] = useState("age_group");
  const [second, setSecond] = useState("");
  const fields = second && second !== by ? [by, second] : [by];
  const table = useQuery({
    queryKey: crosstabKey(surveyId, question, fields),
    queryFn: () => surveys.crosstab(surveyId, question, fields),
    enabled: question !== "",
  });
  const label = (field: string) => tk(`dem.dimension.${DIMENSION[field] ?? field}`);

  return (
    <section className="panel" aria-labelledby="sv-crosstab-title">
      <h2 id="sv-crosstab-title">{t("sv.crosstab.title")}</h2>
      <div className="sv-row">
        <label>
          {t("sv.crosstab.question")}
          <select value={question} onChange={(e) => setQuestion(e.target.value)}>
            {closed.map((q) => (
              <option key={q.id} value={q.id}>
                {q.id}: {q.title.slice(0, 50)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("sv.crosstab.by")}
          <select value={by} onChange={(e) => setBy(e.target.value)}>
            {FIELDS.map((f) => (
              <option key={f} value={f}>
                {label(f)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("sv.crosstab.and")}
          <select value={second} onChange={(e) => setSecond(e.target.value)}>
            <option value="">—</option>
            {FIELDS.filter((f) => f !== by).map((f) => (
              <option key={f} value={f}>
                {label(f)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {table.isPending && question !== "" && <Loading />}
      {table.isError && <ErrorMessage error={table.error} />}
      {table.data && (
        <>
          {table.data.test && <TestLine test={table.data.test} />}
          <div className="sv-scroll">
            <table className="sv-crosstab">
              <thead>
                <tr>
                  <th scope="col">{fields.map(label).join(" × ")}</th>
                  <th scope="col" className="num">n</th>
                  {table.data.columns.map((c) => (
                    <th key={c} scope="col" className="num">
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {table.data.rows.map((row) => (
                  <tr key={row.group}>
                    <th scope="row">{row.group}</th>
                    <td className="num">{row.n}</td>
                    {row.cells.map((cell) => (
                      <td
                        key={cell.column}
                        className={`num ${cell.marker ? `sv-cell-${cell.marker}` : ""}`}
                        title={t("sv.crosstab.residual", { r: formatNumber(cell.residual) })}
                      >
                        {cell.share === null ? "–" : `${formatNumber(Math.round(cell.share * 100))} %`}
                        {cell.marker === "higher" && <span aria-label={t("sv.crosstab.higher")}> ▲</span>}
                        {cell.marker === "lower" && <span aria-label={t("sv.crosstab.lower")}> ▼</span>}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {table.data.tests?.map((test) => (
            <div key={test.option}>
              <span className="small">{test.option}: </span>
              <TestLine test={test} />
            </div>
          ))}
          <p className="muted small">{t("sv.crosstab.legend")}</p>
        </>
      )}
    </section>
  );
}
