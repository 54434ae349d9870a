import type { MessageKey, Translate } from "../../i18n";
import { catalogues } from "../../i18n";

function hasKey(key: string): key is MessageKey {
  return key in catalogues.en;
}

// Expected score of a perfect simulator on the GSS 2018 questions with m
// synthetic respondents per group (the benchmark's sampling-noise table,
// src/sight/fidelity/data/gss2018_us.json), for the start form's hint.
const PERFECT: [number, number][] = [
  [20, 0.9279],
  [50, 0.9545],
  [100, 0.968],
  [200, 0.9772],
  [500, 0.9857],
];

/** Interpolated on log(m) between the table's sizes; clamped at its ends. */
export function perfectAt(m: number): number {
  const first = PERFECT[0] ?? [20, 0.9279];
  const last = PERFECT[PERFECT.length - 1] ?? [500, 0.9857];
  if (m <= first[0]) return first[1];
  if (m >= last[0]) return last[1];
  for (let i = 1; i < PERFECT.length; i++) {
    const [m1, s1] = PERFECT[i - 1] ?? first;
    const [m2, s2] = PERFECT[i] ?? last;
    if (m <= m2) {
      const w = (Math.log(m) - Math.log(m1)) / (Math.log(m2) - Math.log(m1));
      return s1 + w * (s2 - s1);
    }
  }
  return last[1];
}

function lookup(t: Translate, key: string): string | null {
  return hasKey(key) ? (t as (k: MessageKey) => string)(key) : null;
}

/** "sex:female" → "Sex: women"; an uploaded study's own labels pass through. */
export function groupLabel(t: Translate, id: string): string {
  if (id === "overall") return lookup(t, "fd.group.overall") ?? id;
  const [family = "", value = ""] = id.split(/:(.*)/s);
  const familyLabel = lookup(t, `fd.family.${family}`) ?? family;
  const valueLabel = lookup(t, `fd.value.${value}`) ?? value;
  return `${familyLabel}: ${valueLabel}`;
}

export function topicLabel(t: Translate, topic: string): string {
  return lookup(t, `fd.topic.${topic}`) ?? topic.replace(/_/g, " ");
}

export function score(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(3);
}

export function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

export function splitList(text: string): string[] | undefined {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return items.length > 0 ? items : undefined;
}
