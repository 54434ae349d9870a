// The create form's target audience: percentage inputs per category, sent as the
// shares the API takes (`{"age_group": {"25-34": 0.5}, "gender": {"Male": 0.5}}`).

export const AGE_GROUPS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"] as const;
export const GENDERS = ["Male", "Female"] as const;

export const DIMENSIONS = {
  age_group: AGE_GROUPS,
  gender: GENDERS,
} as const;

export type TargetDimension = keyof typeof DIMENSIONS;
/** What the user typed, per dimension and category ("" = left empty). */
export type PercentInputs = Record<TargetDimension, Record<string, string>>;
export type TargetDemographics = Partial<Record<TargetDimension, Record<string, number>>>;

export function emptyPercentInputs(): PercentInputs {
  return { age_group: {}, gender: {} };
}

/** "12,5" or "12.5" → 12.5; empty or not a number → 0. */
export function parsePercent(text: string | undefined): number {
  if (text === undefined) return 0;
  const value = Number(text.trim().replace(",", "."));
  return Number.isFinite(value) && value > 0 ? value : 0;
}

export function percentSum(inputs: Record<string, string>): number {
  return Object.values(inputs).reduce((sum, text) => sum + parsePercent(text), 0);
}

/**
 * Percentages → fractions, only non-zero categories; a dimension left empty is
 * omitted so the country's census applies to it.
 */
export function toTargetDemographics(inputs: PercentInputs): TargetDemographics {
  const target: TargetDemographics = {};
  for (const dimension of Object.keys(DIMENSIONS) as TargetDimension[]) {
    const shares: Record<string, number> = {};
    for (const category of DIMENSIONS[dimension]) {
      const percent = parsePercent(inputs[dimension][category]);
      // Rounded so 33.3 % is 0.333, not 0.33299999999999996.
      if (percent > 0) shares[category] = Math.round(percent * 1e4) / 1e6;
    }
    if (Object.keys(shares).length > 0) target[dimension] = shares;
  }
  return target;
}
