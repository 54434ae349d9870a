import { useState } from "react";
import type { ValidationIssue } from "../../api";
import { categoryLabel, dimensionLabel, DIMENSIONS } from "../../components/demographicLabels";
import type { Dimension } from "../../components/demographicLabels";
import { useI18n } from "../../i18n";
import {
  bracketsIn,
  categoryKeys,
  censusPreset,
  censusShares,
  evenSplit,
  fromShares,
  quotas,
  restrictAges,
  setShare,
  TOTAL,
} from "./targetModel";
import type { Census, TargetState } from "./targetModel";

/** A percentage typed by hand: committed on blur or Enter, so typing "35" is not "3" first. */
function PercentInput({ value, label, onCommit }: { value: number; label: string; onCommit: (tenths: number) => void }) {
  const { locale } = useI18n();
  const shown = new Intl.NumberFormat(locale, { maximumFractionDigits: 1, useGrouping: false }).format(value / 10);
  const [draft, setDraft] = useState<string | null>(null);
  const commit = () => {
    if (draft === null) return;
    const parsed = Number(draft.trim().replace(",", "."));
    setDraft(null);
    if (Number.isFinite(parsed)) onCommit(Math.round(parsed * 10));
  };
  return (
    <input
      className="percent-input"
      type="text"
      inputMode="decimal"
      aria-label={label}
      value={draft ?? shown}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={commit}
      onKeyDown={(event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          commit();
        }
      }}
    />
  );
}

function AgeRange({
  keys,
  onApply,
}: {
  keys: string[];
  onApply: (from: number, to: number) => void;
}) {
  const { t, locale } = useI18n();
  const [from, setFrom] = useState("18");
  const [to, setTo] = useState("64");
  const min = Number(from);
  const max = Number(to);
  const valid = Number.isFinite(min) && Number.isFinite(max) && min <= max;
  const brackets = valid ? bracketsIn(keys, min, max) : [];
  const list = new Intl.ListFormat(locale, { type: "conjunction" });
  return (
    <div className="age-range">
      <span className="age-range-title">{t("target.ageRange")}</span>
      <div className="row">
        <label>
          <span>{t("target.ageFrom")}</span>
          <input type="number" min={18} max={100} value={from} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label>
          <span>{t("target.ageTo")}</span>
          <input type="number" min={18} max={100} value={to} onChange={(event) => setTo(event.target.value)} />
        </label>
        <button type="button" className="secondary" disabled={brackets.length === 0} onClick={() => onApply(min, max)}>
          {t("target.ageRangeApply")}
        </button>
      </div>
      <p className="muted small">
        {brackets.length === 0
          ? t("target.ageRangeNone")
          : t("target.ageRangeHint", {
              brackets: list.format(brackets.map((key) => categoryLabel(t, locale, "age_group", key))),
            })}
      </p>
    </div>
  );
}

export function TargetEditor({
  census,
  country,
  sampleSize,
  value,
  onChange,
  issuesFor,
}: {
  census: Census;
  country: string;
  sampleSize: number;
  value: TargetState;
  onChange: (next: TargetState) => void;
  issuesFor: (dimension: Dimension) => ValidationIssue[] | undefined;
}) {
  const { t, locale, formatNumber } = useI18n();
  const percent = (tenths: number) => t("target.percent", { value: formatNumber(tenths / 10) });

  const update = (dimension: Dimension, values: Record<string, number>) =>
    onChange({ ...value, [dimension]: { mode: "custom", values } });

  return (
    <div className="target-editor stack">
      {DIMENSIONS.map((dimension) => {
        const keys = categoryKeys(census, dimension);
        if (keys.length === 0) return null;
        const target = value[dimension];
        const census100 = censusShares(census, dimension);
        const custom = target.mode === "custom";
        const shown: Record<string, number> = custom
          ? target.values
          : census100 !== null
            ? fromShares(keys, census100)
            : {};
        const counts = Object.keys(shown).length > 0 ? quotas(keys, shown, sampleSize) : null;
        const sum = keys.reduce((total, key) => total + (shown[key] ?? 0), 0);
        const title = dimensionLabel(t, dimension, country);
        const issues = issuesFor(dimension);
        return (
          <fieldset
            key={dimension}
            className={`target-dimension${custom ? " custom" : ""}`}
            data-testid={`target-${dimension}`}
            aria-invalid={issues !== undefined ? true : undefined}
          >
            <legend>{title}</legend>
            <div className="target-mode" role="radiogroup" aria-label={title}>
              <label>
                <input
                  type="radio"
                  name={`mode-${dimension}`}
                  checked={!custom}
                  onChange={() => onChange({ ...value, [dimension]: { mode: "census", values: {} } })}
                />
                <span>{t("target.mode.census")}</span>
              </label>
              <label>
                <input
                  type="radio"
                  name={`mode-${dimension}`}
                  checked={custom}
                  onChange={() => update(dimension, census100 !== null ? fromShares(keys, census100) : evenSplit(keys))}
                />
                <span>{t("target.mode.custom")}</span>
              </label>
              {custom && (
                <button type="button" className="link-button small" onClick={() => update(dimension, evenSplit(keys))}>
                  {t("target.even")}
                </button>
              )}
            </div>
            {custom && dimension === "age_group" && (
              <AgeRange
                keys={keys}
                onApply={(from, to) => {
                  const next = restrictAges(keys, target.values, census100, from, to);
                  if (next !== null) update(dimension, next);
                }}
              />
            )}
            {Object.keys(shown).length > 0 && (
              <ul className="target-rows">
                {keys.map((key) => {
                  const label = categoryLabel(t, locale, dimension, key);
                  const share = shown[key] ?? 0;
                  return (
                    <li key={key} className="target-row">
                      <span className="target-label">{label}</span>
                      {custom ? (
                        <>
                          <input
                            type="range"
                            min={0}
                            max={TOTAL}
                            step={5}
                            value={share}
                            aria-label={t("target.share", { category: label })}
                            aria-valuetext={percent(share)}
                            onChange={(event) => update(dimension, setShare(target.values, keys, key, Number(event.target.value)))}
                          />
                          <PercentInput
                            value={share}
                            label={`${label} (%)`}
                            onCommit={(tenths) => update(dimension, setShare(target.values, keys, key, tenths))}
                          />
                        </>
                      ) : (
                        <span className="target-bar" aria-hidden="true">
                          <span style={{ width: `${share / 10}%` }} />
                        </span>
                      )}
                      {!custom && <span className="num muted">{percent(share)}</span>}
                      <span className="num target-quota" data-testid={`quota-${dimension}-${key}`}>
                        {counts !== null && t("target.quota", { count: counts[key] ?? 0 })}
                      </span>
                    </li>
                  );
                })}
              </ul>
            )}
            {!custom && census100 === null && <p className="muted small">{t("target.censusMissing")}</p>}
            {custom && (
              <p className="muted small" data-testid={`sum-${dimension}`}>
                {t("target.sum", { sum: formatNumber(sum / 10) })}
              </p>
            )}
            {issues !== undefined && (
              <ul className="field-error" role="alert">
                {issues.map((issue, index) => (
                  <li key={index}>{issue.msg}</li>
                ))}
              </ul>
            )}
          </fieldset>
        );
      })}
    </div>
  );
}

export function CensusPresets({
  census,
  country,
  onCountry,
  onApply,
}: {
  census: Census | undefined;
  country: string;
  onCountry: (country: "pl" | "us") => void;
  onApply: (state: TargetState) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="presets">
      <span>{t("target.preset")}</span>
      {(["pl", "us"] as const).map((code) => (
        <button
          key={code}
          type="button"
          className={code === country ? "" : "secondary"}
          aria-pressed={code === country}
          onClick={() => {
            onCountry(code);
            if (census !== undefined && census.country === code) onApply(censusPreset(census));
          }}
        >
          {t(code === "pl" ? "target.preset.censusPl" : "target.preset.censusUs")}
        </button>
      ))}
      <button
        type="button"
        className="link-button"
        disabled={census === undefined || !census.hasShares}
        title={t("target.preset.help")}
        onClick={() => census !== undefined && onApply(censusPreset(census))}
      >
        {t("target.preset.apply")}
      </button>
    </div>
  );
}

