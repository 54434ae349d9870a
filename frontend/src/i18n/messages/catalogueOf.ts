import type { PluralForms } from "../types";

/** A translation of a message group: same keys as the English one, same kinds. */
export type CatalogueOf<Reference> = {
  [K in keyof Reference]: Reference[K] extends string ? string : PluralForms;
};
