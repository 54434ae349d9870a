import { categoryLabel } from "../../components/demographicLabels";
import type { Locale, MessageKey, Translate } from "../../i18n";

/** For keys built at run time (`fg.status.${status}`): they carry no placeholders. */
export const byKey = (t: Translate) => (key: string) => (t as (k: MessageKey) => string)(key as MessageKey);

const TIERS = ["basic", "middle", "higher"] as const;

/** A persona's segment key ("age_25_34/female/higher") in words of the screen's language. */
export function segmentLabel(t: Translate, locale: Locale, segment: string): string {
  const parts = segment.split("/");
  if (parts.length !== 3) return segment;
  const [age = "", gender = "", tier = ""] = parts;
  const tierLabel = (TIERS as readonly string[]).includes(tier) ? byKey(t)(`fg.tier.${tier}`) : tier;
  return [categoryLabel(t, locale, "age_group", age), categoryLabel(t, locale, "gender", gender), tierLabel].join(" · ");
}
