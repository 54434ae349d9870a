import { apportion, bracketsIn, censusPreset, fromProject, quotas, restrictAges, setShare, toPayload, TOTAL } from "./targetModel";
import type { Census } from "./targetModel";

const AGES = ["age_18_24", "age_25_34", "age_35_44", "age_45_54", "age_55_64", "age_65_plus"];
const census: Census = {
  country: "pl",
  hasShares: true,
  dimensions: [
    { key: "age_group", status: "recalled", categories: AGES.map((key, i) => ({ key, share: [0.09, 0.16, 0.2, 0.16, 0.16, 0.23][i] ?? 0 })) },
    { key: "gender", status: "derived", categories: [{ key: "male", share: 0.4785 }, { key: "female", share: 0.5215 }] },
  ],
};
const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

describe("the target form's shares", () => {
  it("apportions integers that add up exactly", () => {
    expect(apportion([1, 1, 1], 1000)).toEqual([334, 333, 333]);
    expect(apportion([0, 0], 10)).toEqual([5, 5]);
  });

  it("keeps a dimension at 100 % whichever slider moves, in proportion", () => {
    let values: Record<string, number> = { a: 500, b: 300, c: 200 };
    values = setShare(values, ["a", "b", "c"], "a", 800);
    expect(values).toEqual({ a: 800, b: 120, c: 80 });
    values = setShare(values, ["a", "b", "c"], "b", 1200);
    expect(values).toEqual({ a: 0, b: 1000, c: 0 });
    values = setShare(values, ["a", "b", "c"], "b", 400);
    expect(sum(values)).toBe(TOTAL);
    expect(values["a"]).toBe(values["c"]);
  });

  it("for 8 random moves the sum never leaves 100 %", () => {
    const keys = ["x", "y", "z", "w"];
    let values: Record<string, number> = { x: 250, y: 250, z: 250, w: 250 };
    for (const [key, value] of [["x", 17], ["y", 999], ["z", 3], ["w", 512], ["x", 0], ["y", -5], ["z", 1000], ["w", 333]] as const) {
      values = setShare(values, keys, key, value);
      expect(sum(values)).toBe(TOTAL);
    }
  });

  it("previews quotas for the sample size", () => {
    expect(quotas(["male", "female"], { male: 478, female: 522 }, 20)).toEqual({ male: 10, female: 10 });
    expect(quotas(["a", "b", "c"], { a: 334, b: 333, c: 333 }, 7)).toEqual({ a: 3, b: 2, c: 2 });
  });

  it("restricts ages to the census brackets a range overlaps", () => {
    expect(bracketsIn(AGES, 30, 49)).toEqual(["age_25_34", "age_35_44", "age_45_54"]);
    expect(bracketsIn(AGES, 70, 90)).toEqual(["age_65_plus"]);
    const shares = Object.fromEntries(census.dimensions[0]?.categories.map((c) => [c.key, c.share]) ?? []);
    const restricted = restrictAges(AGES, {}, shares, 18, 64);
    expect(restricted?.["age_65_plus"]).toBe(0);
    expect(sum(restricted ?? {})).toBe(TOTAL);
    expect(restrictAges(AGES, {}, shares, 5, 10)).toBeNull();
  });

  it("sends only the dimensions with own shares, as fractions summing to 1", () => {
    const state = censusPreset(census);
    const payload = toPayload({ ...state, gender: { mode: "census", values: {} } }, census);
    expect(Object.keys(payload)).toEqual(["age_group"]);
    expect(Object.values(payload["age_group"] ?? {}).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it("reads a stored project's own shares back, in canonical keys", () => {
    const state = fromProject(
      {
        dimensions: {
          gender: { origin: "target", shares: { male: 0.25, female: 0.75 } },
          age_group: { origin: "census", shares: { age_18_24: 1 } },
        },
      },
      census,
    );
    expect(state.gender).toEqual({ mode: "custom", values: { male: 250, female: 750 } });
    expect(state.age_group.mode).toBe("census");
  });
});
