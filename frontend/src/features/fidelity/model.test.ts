import { describe, expect, it } from "vitest";
import { createTranslator } from "../../i18n";
import { groupLabel, perfectAt, splitList, topicLabel } from "./model";

describe("fidelity model", () => {
  it("reads the sampling-noise table and interpolates between its sizes", () => {
    expect(perfectAt(200)).toBeCloseTo(0.9772, 4);
    expect(perfectAt(5)).toBeCloseTo(0.9279, 4);
    expect(perfectAt(5000)).toBeCloseTo(0.9857, 4);
    const between = perfectAt(300);
    expect(between).toBeGreaterThan(0.9772);
    expect(between).toBeLessThan(0.9857);
  });

  it("names benchmark groups and topics in both languages, study groups as uploaded", () => {
    const en = createTranslator("en");
    const pl = createTranslator("pl");
    expect(groupLabel(en, "sex:female")).toBe("Sex: women");
    expect(groupLabel(pl, "sex:female")).toBe("Płeć: kobiety");
    expect(groupLabel(pl, "overall")).toBe("Wszyscy");
    expect(groupLabel(pl, "plec:Kobieta")).toBe("plec: Kobieta");
    expect(topicLabel(pl, "social_trust")).toBe("zaufanie społeczne");
  });

  it("splits comma lists", () => {
    expect(splitList(" HAPPY, trust ,,")).toEqual(["HAPPY", "trust"]);
    expect(splitList("  ")).toBeUndefined();
  });
});
