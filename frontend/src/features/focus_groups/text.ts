import type { MessageKey, Translate } from "../../i18n";

/** For keys built at run time (`fg.status.${status}`): they carry no placeholders. */
export const byKey = (t: Translate) => (key: string) => (t as (k: MessageKey) => string)(key as MessageKey);
