import { emptyPercentInputs, parsePercent, percentSum, toTargetDemographics } from "./demographics";

describe("target demographics → request body", () => {
  it("turns percentages into fractions with the original category keys", () => {
    const inputs = emptyPercentInputs();
    inputs.age_group = { "25-34": "50", "35-44": "30", "65+": "20" };
    inputs.gender = { Male: "50", Female: "50" };
    expect(toTargetDemographics(inputs)).toEqual({
      age_group: { "25-34": 0.5, "35-44": 0.3, "65+": 0.2 },
      gender: { Male: 0.5, Female: 0.5 },
    });
  });

  it("omits a dimension left empty, so the census applies to it", () => {
    const inputs = emptyPercentInputs();
    inputs.gender = { Male: "40", Female: "60" };
    inputs.age_group = { "18-24": "", "25-34": "  " };
    const body = toTargetDemographics(inputs);
    expect(body).toEqual({ gender: { Male: 0.4, Female: 0.6 } });
    expect("age_group" in body).toBe(false);
  });

  it("sends only non-zero categories", () => {
    const inputs = emptyPercentInputs();
    inputs.age_group = { "18-24": "0", "25-34": "100", "45-54": "" };
    expect(toTargetDemographics(inputs)).toEqual({ age_group: { "25-34": 1 } });
  });

  it("is an empty object when nothing is filled in", () => {
    expect(toTargetDemographics(emptyPercentInputs())).toEqual({});
  });

  it("accepts decimal commas and avoids floating-point noise", () => {
    const inputs = emptyPercentInputs();
    inputs.age_group = { "18-24": "33,3", "25-34": "33.3", "35-44": "33.4" };
    expect(toTargetDemographics(inputs)).toEqual({ age_group: { "18-24": 0.333, "25-34": 0.333, "35-44": 0.334 } });
  });

  it("ignores unknown categories, negatives and non-numbers", () => {
    const inputs = emptyPercentInputs();
    inputs.gender = { Male: "-5", Female: "abc", Other: "50" };
    expect(toTargetDemographics(inputs)).toEqual({});
    expect(parsePercent("12,5")).toBe(12.5);
    expect(percentSum({ a: "12,5", b: "87.5", c: "" })).toBe(100);
  });
});
