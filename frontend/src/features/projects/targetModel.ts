import { ageBounds, DIMENSIONS } from "../../components/demographicLabels";
import type { Dimension } from "../../components/demographicLabels";

// The target audience form's model. Shares are kept as whole tenths of a percent
// (0–1000) so that every dimension adds up to exactly 100 % after any change: moving
// one slider rescales the others, with largest-remainder rounding.

export const TOTAL = 1000;

export interface CensusCategory {
  key: string;
  /** 0..1 in the census. */
  share: number;
}

export interface CensusDimension {
  key: string;
  /** "published" | "derived" | "recalled" | "verified" … (recalled = not yet checked). */
  status: string;
  categories: CensusCategory[];
}

export interface Census {
  country: string;
  dimensions: CensusDimension[];
  /** False when the server gave no census: categories known, shares unknown. */
  hasShares: boolean;
}

export interface DimensionTarget {
  mode: "census" | "custom";
  /** Tenths of a percent per category, summing to TOTAL (custom mode). */
  values: Record<string, number>;
}

export type TargetState = Record<Dimension, DimensionTarget>;

/** Largest remainder: integers proportional to `weights`, summing to `total`. */
export function apportion(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + Math.max(0, b), 0);
  if (weights.length === 0) return [];
  const clean = sum > 0 ? weights.map((w) => Math.max(0, w)) : weights.map(() => 1);
  const cleanSum = sum > 0 ? sum : weights.length;
  const exact = clean.map((w) => (w / cleanSum) * total);
  const floors = exact.map(Math.floor);
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of order) {
    if (left <= 0) break;
    floors[index] = (floors[index] ?? 0) + 1;
    left -= 1;
  }
  return floors;
}

export function fromShares(keys: string[], shares: Record<string, number>): Record<string, number> {
  const values = apportion(
    keys.map((key) => shares[key] ?? 0),
    TOTAL,
  );
  return Object.fromEntries(keys.map((key, index) => [key, values[index] ?? 0]));
}

export function evenSplit(keys: string[]): Record<string, number> {
  return fromShares(keys, Object.fromEntries(keys.map((key) => [key, 1])));
}

/**
 * Sets one category to `value` (tenths of a percent) and rescales the others in
 * proportion to their current shares, so the dimension still sums to TOTAL.
 */
export function setShare(values: Record<string, number>, keys: string[], key: string, value: number): Record<string, number> {
  const target = Math.round(Math.min(TOTAL, Math.max(0, Number.isFinite(value) ? value : 0)));
  const others = keys.filter((other) => other !== key);
  if (others.length === 0) return { [key]: TOTAL };
  const rest = apportion(
    others.map((other) => values[other] ?? 0),
    TOTAL - target,
  );
  return { ...Object.fromEntries(others.map((other, index) => [other, rest[index] ?? 0])), [key]: target };
}

/** Quotas of a sample of `n` for shares (any scale): largest remainder, as the server samples. */
export function quotas(keys: string[], values: Record<string, number>, n: number): Record<string, number> {
  const counts = apportion(
    keys.map((key) => values[key] ?? 0),
    Math.max(0, Math.floor(n)),
  );
  return Object.fromEntries(keys.map((key, index) => [key, counts[index] ?? 0]));
}

/** Age brackets that overlap [from, to]. */
export function bracketsIn(keys: string[], from: number, to: number): string[] {
  return keys.filter((key) => {
    const bounds = ageBounds(key);
    if (bounds === null) return false;
    const [min, max] = bounds;
    return min <= to && (max === null || max >= from);
  });
}

/**
 * Keeps only the brackets overlapping the range, each with its census share (or its
 * current share when no census is known), renormalised to 100 %.
 */
export function restrictAges(
  keys: string[],
  current: Record<string, number>,
  census: Record<string, number> | null,
  from: number,
  to: number,
): Record<string, number> | null {
  const kept = new Set(bracketsIn(keys, from, to));
  if (kept.size === 0) return null;
  const base = (key: string) => (census !== null ? (census[key] ?? 0) : (current[key] ?? 0)) || 1;
  return fromShares(keys, Object.fromEntries(keys.map((key) => [key, kept.has(key) ? base(key) : 0])));
}

export function censusShares(census: Census | null, dimension: string): Record<string, number> | null {
  if (census === null || !census.hasShares) return null;
  const found = census.dimensions.find((d) => d.key === dimension);
  return found === undefined ? null : Object.fromEntries(found.categories.map((c) => [c.key, c.share]));
}

export function categoryKeys(census: Census | null, dimension: string): string[] {
  return census?.dimensions.find((d) => d.key === dimension)?.categories.map((c) => c.key) ?? [];
}

export function emptyTarget(): TargetState {
  return Object.fromEntries(DIMENSIONS.map((d) => [d, { mode: "census", values: {} }])) as TargetState;
}

/** Every dimension set to its census shares, as own shares the user can then adjust. */
export function censusPreset(census: Census): TargetState {
  const state = emptyTarget();
  for (const dimension of DIMENSIONS) {
    const keys = categoryKeys(census, dimension);
    const shares = censusShares(census, dimension);
    if (keys.length > 0) state[dimension] = { mode: "custom", values: shares === null ? evenSplit(keys) : fromShares(keys, shares) };
  }
  return state;
}

/** The API's `target_demographics`: only the dimensions with own shares. */
export function toPayload(state: TargetState, census: Census | null): Record<string, Record<string, number>> {
  const payload: Record<string, Record<string, number>> = {};
  for (const dimension of DIMENSIONS) {
    const target = state[dimension];
    if (target.mode !== "custom") continue;
    const keys = categoryKeys(census, dimension);
    const shares: Record<string, number> = {};
    for (const key of keys.length > 0 ? keys : Object.keys(target.values)) {
      const value = target.values[key] ?? 0;
      if (value > 0) shares[key] = value / TOTAL;
    }
    if (Object.keys(shares).length > 0) payload[dimension] = shares;
  }
  return payload;
}

/**
 * A stored project's target → the form. `target_distribution` has every dimension in
 * canonical keys, with `origin: "target"` on those the researcher set.
 */
export function fromProject(distribution: Record<string, unknown>, census: Census | null): TargetState {
  const state = emptyTarget();
  const dimensions = distribution["dimensions"];
  if (typeof dimensions !== "object" || dimensions === null) return state;
  for (const dimension of DIMENSIONS) {
    const entry = (dimensions as Record<string, unknown>)[dimension];
    if (typeof entry !== "object" || entry === null) continue;
    const { origin, shares } = entry as { origin?: unknown; shares?: unknown };
    if (origin !== "target" || typeof shares !== "object" || shares === null) continue;
    const numeric = Object.fromEntries(
      Object.entries(shares).filter((pair): pair is [string, number] => typeof pair[1] === "number"),
    );
    const known = categoryKeys(census, dimension);
    const keys = known.length > 0 ? known : Object.keys(numeric);
    state[dimension] = { mode: "custom", values: fromShares(keys, numeric) };
  }
  return state;
}
