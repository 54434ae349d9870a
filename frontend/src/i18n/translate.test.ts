import { createTranslator, detectLocale, LOCALE_STORAGE_KEY } from "./translate";

describe("createTranslator", () => {
  it("fills placeholders", () => {
    expect(createTranslator("en")("home.greeting", { name: "Ada" })).toBe("Hello, Ada");
    expect(createTranslator("pl")("home.greeting", { name: "Ada" })).toBe("Witaj, Ada");
  });

  it("picks the Polish plural form by count", () => {
    const t = createTranslator("pl");
    expect(t("home.projects.count", { count: 1 })).toBe("1 projekt");
    expect(t("home.projects.count", { count: 3 })).toBe("3 projekty");
    expect(t("home.projects.count", { count: 5 })).toBe("5 projektów");
    expect(t("home.projects.count", { count: 22 })).toBe("22 projekty");
    expect(t("home.projects.count", { count: 112 })).toBe("112 projektów");
  });

  it("picks the English plural form by count", () => {
    const t = createTranslator("en");
    expect(t("home.projects.count", { count: 1 })).toBe("1 project");
    expect(t("home.projects.count", { count: 2 })).toBe("2 projects");
    expect(t("home.projects.count", { count: 1500 })).toBe("1,500 projects");
  });
});

it("shows the key for a message it does not have instead of failing", () => {
  const t = createTranslator("en") as (key: string) => string;
  expect(t("status.state.degraded")).toBe("status.state.degraded");
});

describe("detectLocale", () => {
  const storage = (value: string | null) => ({ getItem: (key: string) => (key === LOCALE_STORAGE_KEY ? value : null) });

  it("prefers the stored choice", () => {
    expect(detectLocale(storage("pl"), ["en-US"])).toBe("pl");
  });

  it("falls back to the first supported browser language", () => {
    expect(detectLocale(storage(null), ["de-DE", "pl-PL", "en"])).toBe("pl");
  });

  it("ignores a stored value it does not know and defaults to English", () => {
    expect(detectLocale(storage("xx"), ["de"])).toBe("en");
  });
});
