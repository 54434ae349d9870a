import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { createTranslator, detectLocale, LOCALE_STORAGE_KEY } from "./translate";
import type { Locale, Translate } from "./types";

interface I18nValue {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
  formatDate: (value: string | Date) => string;
  formatTime: (value: string | Date) => string;
  formatNumber: (value: number) => string;
}

const I18nContext = createContext<I18nValue | null>(null);

function browserStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    // Storage can be disabled (privacy mode, sandboxed iframes); fall back to memory.
    return undefined;
  }
}

export function I18nProvider({
  children,
  initialLocale,
}: {
  children: ReactNode;
  initialLocale?: Locale | undefined;
}) {
  const [locale, setLocaleState] = useState<Locale>(
    () => initialLocale ?? detectLocale(browserStorage(), navigator.languages),
  );

  const setLocale = useCallback((next: Locale) => {
    browserStorage()?.setItem(LOCALE_STORAGE_KEY, next);
    setLocaleState(next);
  }, []);

  const t = useMemo(() => createTranslator(locale), [locale]);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = t("app.name");
  }, [locale, t]);

  const value = useMemo(() => {
    const dates = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
    const times = new Intl.DateTimeFormat(locale, { timeStyle: "medium" });
    const numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    return {
      locale,
      setLocale,
      t,
      formatDate: (value: string | Date) => dates.format(new Date(value)),
      formatTime: (value: string | Date) => times.format(new Date(value)),
      formatNumber: (value: number) => numbers.format(value),
    };
  }, [locale, setLocale, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  const value = useContext(I18nContext);
  if (value === null) throw new Error("useI18n must be used inside <I18nProvider>");
  return value;
}
