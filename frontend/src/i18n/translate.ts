import { en } from "./en";
import { pl } from "./pl";
import type { Catalogue, Locale, MessageKey, PluralForms, Translate } from "./types";
import { LOCALES } from "./types";

export const catalogues: Record<Locale, Catalogue> = { en, pl };

export const DEFAULT_LOCALE: Locale = "en";
export const LOCALE_STORAGE_KEY = "sight.locale";

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** Stored choice first, then the browser's languages, then English. */
export function detectLocale(
  storage: Pick<Storage, "getItem"> | undefined,
  languages: readonly string[],
): Locale {
  const stored = storage?.getItem(LOCALE_STORAGE_KEY);
  if (isLocale(stored)) return stored;
  for (const language of languages) {
    const base = language.toLowerCase().split("-")[0];
    if (isLocale(base)) return base;
  }
  return DEFAULT_LOCALE;
}

function interpolate(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

export function createTranslator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  const plurals = new Intl.PluralRules(locale);
  const numbers = new Intl.NumberFormat(locale);
  return <K extends MessageKey>(key: K, ...rest: unknown[]): string => {
    const params = (rest[0] ?? {}) as Record<string, string | number>;
    // Keys built from server values (`status.state.${status}`) can miss; show the key
    // rather than crash on a state the server added later.
    const message: string | PluralForms | undefined = catalogue[key];
    if (message === undefined) return key;
    if (typeof message === "string") return interpolate(message, params);
    const count = Number(params["count"] ?? 0);
    const form = message[plurals.select(count)] ?? message.other;
    return interpolate(form, { ...params, count: numbers.format(count) });
  };
}
