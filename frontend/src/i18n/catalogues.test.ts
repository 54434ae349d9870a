import { catalogues } from "./translate";
import { LOCALES } from "./types";

type Message = string | Record<string, string>;

function placeholders(message: Message): string[] {
  const texts = typeof message === "string" ? [message] : Object.values(message);
  const names = texts.flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? ""));
  return [...new Set(names)].sort();
}

const reference = catalogues.en as Record<string, Message>;

describe.each(LOCALES.filter((locale) => locale !== "en"))("the %s catalogue", (locale) => {
  const catalogue = catalogues[locale] as Record<string, Message>;

  it("has exactly the English keys", () => {
    expect(Object.keys(catalogue).sort()).toEqual(Object.keys(reference).sort());
  });

  it("uses the same placeholders as English in every message", () => {
    for (const key of Object.keys(reference)) {
      expect({ key, placeholders: placeholders(catalogue[key] ?? "") }).toEqual({
        key,
        placeholders: placeholders(reference[key] ?? ""),
      });
    }
  });
});

describe.each(LOCALES)("the %s catalogue", (locale) => {
  const catalogue = catalogues[locale] as Record<string, Message>;

  it("has no empty message", () => {
    const empty = Object.entries(catalogue)
      .filter(([, message]) => (typeof message === "string" ? [message] : Object.values(message)).some((text) => text.trim() === ""))
      .map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it("gives every plural message the forms the language needs", () => {
    const needed = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
    for (const [key, message] of Object.entries(catalogue)) {
      if (typeof message === "string") continue;
      expect({ key, forms: Object.keys(message).sort() }).toEqual({ key, forms: [...needed].sort() });
    }
  });
});
