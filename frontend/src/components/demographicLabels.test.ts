import { createTranslator } from "../i18n";
import { categoryLabel, dimensionLabel, segmentLabel, traitLabel } from "./demographicLabels";

const en = createTranslator("en");
const pl = createTranslator("pl");

describe("census labels follow the screen's language, never the project's", () => {
  it("names genders, places and education in each language", () => {
    expect(categoryLabel(en, "en", "gender", "male")).toBe("Male");
    expect(categoryLabel(pl, "pl", "gender", "male")).toBe("Mężczyzna");
    expect(categoryLabel(en, "en", "location", "lodzkie")).toBe("Łódź");
    expect(categoryLabel(pl, "pl", "location", "lodzkie")).toBe("łódzkie");
    expect(categoryLabel(en, "en", "education", "basic_vocational")).toBe("Basic vocational");
  });

  it("formats age brackets with the right Polish noun form", () => {
    expect(categoryLabel(en, "en", "age_group", "age_18_24")).toBe("18–24");
    expect(categoryLabel(pl, "pl", "age_group", "age_18_24")).toBe("18–24 lata");
    expect(categoryLabel(pl, "pl", "age_group", "age_25_35")).toBe("25–35 lat");
    expect(categoryLabel(pl, "pl", "age_group", "age_65_plus")).toBe("65 lat i więcej");
    expect(categoryLabel(en, "en", "age_group", "age_65_plus")).toBe("65+");
  });

  it("formats income bands as amounts in the screen's locale", () => {
    expect(categoryLabel(en, "en", "income", "usd_15k_25k")).toBe("$15,000–$24,999");
    expect(categoryLabel(en, "en", "income", "usd_200k_plus")).toBe("$200,000 or more");
    expect(categoryLabel(pl, "pl", "income", "pln_under_1500")).toMatch(/^poniżej 1500\s?zł$/);
  });

  it("never shows a raw key, even for a category this build does not know", () => {
    expect(categoryLabel(en, "en", "education", "phd")).toBe("Phd");
    expect(categoryLabel(en, "en", "education", "phd", "Doctorate")).toBe("Doctorate");
  });

  it("labels income as disposable income per person in Polish data", () => {
    expect(dimensionLabel(en, "income", "pl")).toBe("Disposable income per person in the household (monthly)");
    expect(dimensionLabel(pl, "income", "pl")).toMatch(/^Dochód rozporządzalny na osobę/);
    expect(dimensionLabel(en, "income", "us")).toBe("Household income (yearly)");
  });

  it("translates personality traits", () => {
    expect(traitLabel(pl, "openness")).toBe("Otwartość");
    expect(traitLabel(en, "long_term_orientation")).toBe("Long-term orientation");
  });

  it("names a persona's segment in words, not as its key", () => {
    expect(segmentLabel(en, "en", "age_55_64/male/basic")).toBe("55–64 · Male · basic education");
    expect(segmentLabel(pl, "pl", "age_18_24/female/middle")).toBe("18–24 lata · Kobieta · wykształcenie średnie");
  });
});
