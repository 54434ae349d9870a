import type { Locale, MessageKey, Translate } from "../i18n";
import { catalogues } from "../i18n";

// Labels of census dimensions and categories in the language of the screen. The
// server's own labels follow the project's language (a Polish project says
// "Mężczyzna"), so the web app names categories itself, from the census keys
// (src/sight/demographics/data/*.yaml): words from the catalogues, age brackets and
// income bands formatted from the numbers in their keys. A raw key is never shown.

export const DIMENSIONS = ["age_group", "gender", "location", "urban_rural", "education", "income"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Persona list filters: the same dimensions, income filtered by its band. */
export const FILTER_OF: Record<Dimension, string> = {
  age_group: "age_group",
  gender: "gender",
  location: "location",
  urban_rural: "urban_rural",
  education: "education",
  income: "income_band",
};

export function isDimension(value: string): value is Dimension {
  return (DIMENSIONS as readonly string[]).includes(value);
}

function hasKey(key: string): key is MessageKey {
  return key in catalogues.en;
}

/** Dynamic keys checked against the catalogue; callers fall back when missing. */
function lookup(t: Translate, key: string): string | null {
  return hasKey(key) ? (t as (k: MessageKey) => string)(key) : null;
}

export function dimensionLabel(t: Translate, dimension: string, country?: string): string {
  if (country !== undefined) {
    const specific = lookup(t, `dem.dimension.${dimension}.${country}`);
    if (specific !== null) return specific;
  }
  return lookup(t, `dem.dimension.${dimension}`) ?? humanize(dimension);
}

function humanize(key: string): string {
  const words = key.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const CURRENCIES: Record<string, string> = { pln: "PLN", usd: "USD" };

function amount(text: string, thousands: string): number {
  return Number(text) * (thousands === "k" ? 1000 : 1);
}

function incomeLabel(t: Translate, locale: Locale, key: string): string | null {
  const match = /^(pln|usd)_(?:(under)_(\d+)(k?)|(\d+)(k?)_(plus)|(\d+)(k?)_(\d+)(k?))$/.exec(key);
  if (match === null) return null;
  const money = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: CURRENCIES[match[1] ?? ""] ?? "PLN",
    maximumFractionDigits: 0,
  });
  if (match[2] === "under") return t("dem.income.under", { max: money.format(amount(match[3] ?? "", match[4] ?? "")) });
  if (match[7] === "plus") return t("dem.income.over", { min: money.format(amount(match[5] ?? "", match[6] ?? "")) });
  const min = amount(match[8] ?? "", match[9] ?? "");
  let max = amount(match[10] ?? "", match[11] ?? "");
  // "usd_15k_25k" is the band [15,000, 25,000): its last whole amount is 24,999.
  if (match[11] === "k") max -= 1;
  return t("dem.income.between", { min: money.format(min), max: money.format(max) });
}

function ageLabel(t: Translate, key: string): string | null {
  const range = /^age_(\d+)_(\d+)$/.exec(key);
  if (range !== null) {
    const max = Number(range[2]);
    return t("dem.age.range", { min: Number(range[1]), max, count: max });
  }
  const plus = /^age_(\d+)_plus$/.exec(key);
  if (plus !== null) return t("dem.age.plus", { min: Number(plus[1]) });
  return null;
}

/**
 * The label of one category in the screen's language. `fallback` (e.g. the server's
 * label) is used only for a category this build does not know yet.
 */
export function categoryLabel(
  t: Translate,
  locale: Locale,
  dimension: string,
  key: string,
  fallback?: string,
): string {
  const known =
    dimension === "age_group"
      ? ageLabel(t, key)
      : dimension === "income" || dimension === "income_band"
        ? incomeLabel(t, locale, key)
        : lookup(t, `dem.${dimension}.${key}`);
  if (known !== null) return known;
  if (fallback !== undefined && fallback !== "" && fallback !== key) return fallback;
  return humanize(key);
}

/** Age bracket key → its inclusive years ([65, null] for "65+"). */
export function ageBounds(key: string): [number, number | null] | null {
  const range = /^age_(\d+)_(\d+)$/.exec(key);
  if (range !== null) return [Number(range[1]), Number(range[2])];
  const plus = /^age_(\d+)_plus$/.exec(key);
  if (plus !== null) return [Number(plus[1]), null];
  return null;
}

/** Big Five and Hofstede trait names as the generator writes them. */
export function traitLabel(t: Translate, name: string): string {
  return lookup(t, `trait.${name}`) ?? humanize(name);
}

/**
 * A persona's segment ("age_55_64/male/basic": age bracket, gender, education level)
 * in words: "55–64 · Male · basic education".
 */
export function segmentLabel(t: Translate, locale: Locale, segment: string): string {
  const [age, gender, level, ...rest] = segment.split("/");
  if (age === undefined || gender === undefined || level === undefined || rest.length > 0) {
    return segment.includes("_") ? humanize(segment) : segment;
  }
  return [
    categoryLabel(t, locale, "age_group", age),
    categoryLabel(t, locale, "gender", gender),
    lookup(t, `dem.segment.${level}`) ?? humanize(level),
  ].join(" · ");
}
