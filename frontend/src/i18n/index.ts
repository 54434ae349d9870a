export { I18nProvider, useI18n } from "./I18nProvider";
export { catalogues, createTranslator, detectLocale, isLocale, LOCALE_STORAGE_KEY } from "./translate";
export { LOCALES } from "./types";
export type { Locale, MessageKey, Translate } from "./types";
