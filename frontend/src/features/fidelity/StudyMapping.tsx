import { useMutation } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { categoryLabel, dimensionLabel } from "../../components/demographicLabels";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { fallbackCensus } from "../projects/census";
import { byKey } from "../focus_groups/text";
import { useFidelityApi } from "./api";
import type { ColumnInfo, GroupValue, Study, StudyMappingBody } from "./types";

// The guided mapping step: which columns are groups (and which census cell each
// group stands for, so personas can be drawn for it) and which are questions
// (answers in order). The server checks everything and answers 422 naming what
// is allowed.

type Role = "ignore" | "group" | "question";
const AGE = "__age__";
const OVERALL_WORDS = new Set(["", "overall", "all", "total", "ogółem", "ogolem", "wszyscy", "razem"]);

interface Cell {
  dimension: string; // a census dimension, or AGE
  category: string;
  from: number;
  to: number;
}

interface ColumnState {
  role: Role;
  name: string;
  text: string;
  scale: "ordinal" | "nominal";
  options: { value: string; include: boolean }[];
  cells: Record<string, Cell>;
  bins: { label: string; from: number; to: number }[];
}

const DIMENSION_WORDS: [RegExp, string][] = [
  [/^(p[łl]e[ćc]|sex|gender|gend)/i, "gender"],
  [/^(wiek|age)/i, "age"],
  [/^(wojew|region|location|miejsc)/i, "location"],
  [/^(wykszt|educ)/i, "education"],
  [/^(doch|income)/i, "income"],
  [/^(miasto|wie[śs]|urban|rural)/i, "urban_rural"],
];

function guessDimension(name: string): string | null {
  for (const [pattern, dimension] of DIMENSION_WORDS) if (pattern.test(name.trim())) return dimension;
  return null;
}

function guessGender(value: string): string {
  const v = value.trim().toLowerCase();
  if (/^(k|kobieta|kobiety|f|female|woman|women)$/.test(v)) return "female";
  if (/^(m|mężczyzna|mężczyźni|mezczyzna|male|man|men)$/.test(v)) return "male";
  return "";
}

function initial(column: ColumnInfo): ColumnState {
  const guess = guessDimension(column.name);
  const usable = column.values.length > 0;
  const role: Role = !usable ? "ignore" : guess !== null ? "group" : column.values.length <= 12 ? "question" : "ignore";
  const cells: Record<string, Cell> = {};
  for (const v of column.values) {
    cells[v.value] = {
      dimension: guess === "age" || guess === null ? "gender" : guess,
      category: guess === "gender" ? guessGender(v.value) : "",
      from: 18,
      to: 99,
    };
  }
  return {
    role,
    name: guess === "gender" ? "sex" : guess ?? column.name,
    text: column.name,
    scale: "ordinal",
    options: column.values.map((v) => ({ value: v.value, include: true })),
    cells,
    bins:
      guess === "age" && column.kind === "numeric"
        ? [
            { label: "18-29", from: 18, to: 29 },
            { label: "30-49", from: 30, to: 49 },
            { label: "50-64", from: 50, to: 64 },
            { label: "65+", from: 65, to: 120 },
          ]
        : [],
  };
}

function defaultCell(value: string): Cell {
  return { dimension: "gender", category: guessGender(value), from: 18, to: 99 };
}

function cellValue(value: string, cell: Cell): GroupValue {
  return cell.dimension === AGE
    ? { value, age: [cell.from, cell.to] }
    : { value, dimension: cell.dimension, categories: cell.category === "" ? [] : [cell.category] };
}

export function StudyMapping({ study, country, onDone }: { study: Study; country: string; onDone: () => void }) {
  const { t } = useI18n();
  const tk = byKey(t);
  const fidelity = useFidelityApi();
  const [columns, setColumns] = useState<Record<string, ColumnState>>(() =>
    Object.fromEntries(study.columns.map((c) => [c.name, initial(c)])),
  );
  const [roles, setRoles] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      study.columns.filter((c) => c.suggested_role).map((c) => [c.suggested_role ?? "", c.name]),
    ),
  );
  const [groupCells, setGroupCells] = useState<Record<string, Cell>>({});
  const save = useMutation({
    mutationFn: () => fidelity.map(study.id, body()),
    onSuccess: onDone,
  });
  const update = (name: string, change: Partial<ColumnState>) =>
    setColumns((all) => ({ ...all, [name]: { ...(all[name] as ColumnState), ...change } }));

  function body(): StudyMappingBody {
    if (study.layout === "distributions") {
      const groupColumn = study.columns.find((c) => c.name === roles["group"]);
      return {
        roles,
        groups: (groupColumn?.values ?? [])
          .filter((v) => !OVERALL_WORDS.has(v.value.trim().toLowerCase()))
          .map((v) => cellValue(v.value, groupCells[v.value] ?? defaultCell(v.value))),
      };
    }
    const entries = study.columns.map((c) => [c, columns[c.name]] as const);
    return {
      group_columns: entries
        .filter(([, s]) => s?.role === "group")
        .map(([c, s]) => ({
          column: c.name,
          name: s?.name || c.name,
          values:
            s !== undefined && s.bins.length > 0
              ? s.bins.map((b) => ({ value: b.label, age: [b.from, b.to] as [number, number] }))
              : c.values.map((v) => cellValue(v.value, s?.cells[v.value] ?? { dimension: "gender", category: "", from: 18, to: 99 })),
        })),
      question_columns: entries
        .filter(([, s]) => s?.role === "question")
        .map(([c, s]) => ({
          column: c.name,
          text: s?.text || c.name,
          options: (s?.options ?? []).filter((o) => o.include).map((o) => o.value),
          scale: s?.scale ?? "ordinal",
        })),
    };
  }

  return (
    <div className="fd-mapping" role="group" aria-labelledby="fd-map-title">
      <h4 id="fd-map-title">{t("fd.map.title", { name: study.name })}</h4>
      <p className="muted small">{t("fd.map.intro")}</p>
      {study.layout === "distributions" ? (
        <DistributionRoles
          study={study}
          country={country}
          roles={roles}
          setRoles={setRoles}
          cells={groupCells}
          setCells={setGroupCells}
        />
      ) : (
        <ol className="fd-columns">
          {study.columns.map((column) => {
            const state = columns[column.name];
            if (state === undefined) return null;
            const usable = column.values.length > 0;
            return (
              <li key={column.name} className={`fd-column ${state.role}`}>
                <div className="fd-column-head">
                  <strong>{column.name}</strong>
                  {usable ? (
                    <label>
                      {t("fd.map.role")}{" "}
                      <select value={state.role} onChange={(e) => update(column.name, { role: e.target.value as Role })}>
                        <option value="ignore">{t("fd.map.role.ignore")}</option>
                        <option value="group">{t("fd.map.role.group")}</option>
                        <option value="question">{t("fd.map.role.question")}</option>
                      </select>
                    </label>
                  ) : (
                    <span className="muted small">{t("fd.map.dropped", { kind: tk(`fd.map.kind.${column.kind}`) })}</span>
                  )}
                </div>
                {state.role === "group" && (
                  <GroupEditor column={column} state={state} country={country} onChange={(c) => update(column.name, c)} />
                )}
                {state.role === "question" && <QuestionEditor state={state} onChange={(c) => update(column.name, c)} />}
              </li>
            );
          })}
        </ol>
      )}
      {save.isError && <ErrorMessage error={save.error} />}
      <div className="fd-actions">
        <button type="button" onClick={() => save.mutate()} disabled={save.isPending}>
          {save.isPending ? t("fd.map.submitting") : t("fd.map.submit")}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          {t("fd.map.cancel")}
        </button>
      </div>
    </div>
  );
}

function CellEditor({ value, cell, country, onChange }: { value: string; cell: Cell; country: string; onChange: (c: Cell) => void }) {
  const { t, locale } = useI18n();
  const census = useMemo(() => fallbackCensus(country), [country]);
  const dimension = census.dimensions.find((d) => d.key === cell.dimension);
  return (
    <div className="fd-cell">
      <span className="fd-value">{value}</span>
      <label>
        <span className="sr-only">{t("fd.map.dimension")}</span>
        <select value={cell.dimension} onChange={(e) => onChange({ ...cell, dimension: e.target.value, category: "" })}>
          {census.dimensions.map((d) => (
            <option key={d.key} value={d.key}>
              {dimensionLabel(t, d.key, country)}
            </option>
          ))}
          <option value={AGE}>{t("fd.map.ageRange")}</option>
        </select>
      </label>
      {cell.dimension === AGE ? (
        <>
          <label>
            <span className="sr-only">{t("fd.map.ageFrom")}</span>
            <input type="number" min={0} max={120} value={cell.from} onChange={(e) => onChange({ ...cell, from: Number(e.target.value) })} />
          </label>
          <label>
            <span className="sr-only">{t("fd.map.ageTo")}</span>
            <input type="number" min={0} max={120} value={cell.to} onChange={(e) => onChange({ ...cell, to: Number(e.target.value) })} />
          </label>
        </>
      ) : (
        <label>
          <span className="sr-only">{t("fd.map.category")}</span>
          <select value={cell.category} onChange={(e) => onChange({ ...cell, category: e.target.value })}>
            <option value="">{t("fd.map.none")}</option>
            {(dimension?.categories ?? []).map((c) => (
              <option key={c.key} value={c.key}>
                {categoryLabel(t, locale, cell.dimension, c.key)}
              </option>
            ))}
          </select>
        </label>
      )}
    </div>
  );
}

function GroupEditor({
  column,
  state,
  country,
  onChange,
}: {
  column: ColumnInfo;
  state: ColumnState;
  country: string;
  onChange: (change: Partial<ColumnState>) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="fd-editor">
      <label>
        {t("fd.map.groupName")}
        <input value={state.name} onChange={(e) => onChange({ name: e.target.value })} />
      </label>
      {state.bins.length > 0 ? (
        <>
          {state.bins.map((bin, i) => (
            <div className="fd-cell" key={i}>
              <label>
                <span className="sr-only">{t("fd.map.value")}</span>
                <input
                  className="fd-bin-label"
                  value={bin.label}
                  onChange={(e) => onChange({ bins: state.bins.map((b, j) => (j === i ? { ...b, label: e.target.value } : b)) })}
                />
              </label>
              <label>
                {t("fd.map.ageFrom")}{" "}
                <input
                  type="number"
                  value={bin.from}
                  onChange={(e) => onChange({ bins: state.bins.map((b, j) => (j === i ? { ...b, from: Number(e.target.value) } : b)) })}
                />
              </label>
              <label>
                {t("fd.map.ageTo")}{" "}
                <input
                  type="number"
                  value={bin.to}
                  onChange={(e) => onChange({ bins: state.bins.map((b, j) => (j === i ? { ...b, to: Number(e.target.value) } : b)) })}
                />
              </label>
              <button type="button" className="link" onClick={() => onChange({ bins: state.bins.filter((_, j) => j !== i) })}>
                {t("fd.map.removeBin")}
              </button>
            </div>
          ))}
          <button type="button" className="link" onClick={() => onChange({ bins: [...state.bins, { label: "", from: 18, to: 99 }] })}>
            {t("fd.map.addBin")}
          </button>
        </>
      ) : (
        column.values.map((v) => (
          <CellEditor
            key={v.value}
            value={`${v.value} (${t("fd.map.count", { count: v.count })})`}
            cell={state.cells[v.value] ?? { dimension: "gender", category: "", from: 18, to: 99 }}
            country={country}
            onChange={(cell) => onChange({ cells: { ...state.cells, [v.value]: cell } })}
          />
        ))
      )}
    </div>
  );
}

function QuestionEditor({ state, onChange }: { state: ColumnState; onChange: (change: Partial<ColumnState>) => void }) {
  const { t } = useI18n();
  const move = (i: number, by: number) => {
    const next = [...state.options];
    const [item] = next.splice(i, 1);
    if (item === undefined) return;
    next.splice(Math.max(0, Math.min(next.length, i + by)), 0, item);
    onChange({ options: next });
  };
  return (
    <div className="fd-editor">
      <label>
        {t("fd.map.questionText")}
        <input value={state.text} onChange={(e) => onChange({ text: e.target.value })} />
      </label>
      <label>
        {t("fd.map.scale")}{" "}
        <select value={state.scale} onChange={(e) => onChange({ scale: e.target.value as "ordinal" | "nominal" })}>
          <option value="ordinal">{t("fd.map.scale.ordinal")}</option>
          <option value="nominal">{t("fd.map.scale.nominal")}</option>
        </select>
      </label>
      <span className="small">{t("fd.map.options")}</span>
      <ol className="fd-options">
        {state.options.map((o, i) => (
          <li key={o.value}>
            <label className="inline">
              <input
                type="checkbox"
                checked={o.include}
                onChange={(e) => onChange({ options: state.options.map((x, j) => (j === i ? { ...x, include: e.target.checked } : x)) })}
              />
              {o.value}
            </label>
            <button type="button" className="link" aria-label={t("fd.map.up")} onClick={() => move(i, -1)} disabled={i === 0}>
              ↑
            </button>
            <button
              type="button"
              className="link"
              aria-label={t("fd.map.down")}
              onClick={() => move(i, 1)}
              disabled={i === state.options.length - 1}
            >
              ↓
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}

function DistributionRoles({
  study,
  country,
  roles,
  setRoles,
  cells,
  setCells,
}: {
  study: Study;
  country: string;
  roles: Record<string, string>;
  setRoles: (r: Record<string, string>) => void;
  cells: Record<string, Cell>;
  setCells: (c: Record<string, Cell>) => void;
}) {
  const { t } = useI18n();
  const tk = byKey(t);
  const groupColumn = study.columns.find((c) => c.name === roles["group"]);
  const groupValues = (groupColumn?.values ?? []).filter((v) => !OVERALL_WORDS.has(v.value.trim().toLowerCase()));
  return (
    <div className="fd-editor">
      {(["question", "option", "group", "value", "n"] as const).map((role) => (
        <label key={role}>
          {t("fd.map.roleColumn", { role: tk(`fd.map.roleName.${role}`) })}{" "}
          <select
            value={roles[role] ?? ""}
            onChange={(e) => {
              const next = Object.fromEntries(Object.entries(roles).filter(([key]) => key !== role));
              if (e.target.value !== "") next[role] = e.target.value;
              setRoles(next);
            }}
          >
            <option value="">{t("fd.map.none")}</option>
            {study.columns.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      ))}
      {groupValues.length > 0 && <span className="small">{t("fd.map.groupValues")}</span>}
      {groupValues.map((v) => (
        <CellEditor
          key={v.value}
          value={v.value}
          cell={cells[v.value] ?? defaultCell(v.value)}
          country={country}
          onChange={(cell) => setCells({ ...cells, [v.value]: cell })}
        />
      ))}
    </div>
  );
}
