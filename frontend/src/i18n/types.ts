import type { en } from "./en";

export const LOCALES = ["pl", "en"] as const;
export type Locale = (typeof LOCALES)[number];

/** CLDR plural categories; `other` is always required, the rest per language. */
export type PluralForms = Partial<Record<Exclude<Intl.LDMLPluralRule, "other">, string>> & {
  other: string;
};

type Reference = typeof en;
export type MessageKey = keyof Reference;

/** What a non-reference catalogue must provide: same keys, same message kinds. */
export type Catalogue = {
  [K in MessageKey]: Reference[K] extends string ? string : PluralForms;
};

type PlaceholdersIn<S> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PlaceholdersIn<Rest>
  : never;

type Placeholders<K extends MessageKey> = Reference[K] extends string
  ? PlaceholdersIn<Reference[K]>
  : PlaceholdersIn<Reference[K][keyof Reference[K]]> | "count";

export type MessageParams<K extends MessageKey> = [Placeholders<K>] extends [never]
  ? []
  : [params: Record<Placeholders<K>, string | number>];

export type Translate = <K extends MessageKey>(key: K, ...params: MessageParams<K>) => string;
