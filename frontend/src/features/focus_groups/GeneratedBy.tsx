import { useI18n } from "../../i18n";

export const OFFLINE_MARK = "offline-engine";

/** Who made an artifact: the offline engine is marked so nobody mistakes it for research. */
export function GeneratedBy({ by }: { by: string | null | undefined }) {
  const { t } = useI18n();
  if (by === null || by === undefined || by === "") return null;
  if (by === OFFLINE_MARK || by.startsWith("local")) {
    return (
      <span className="badge not_configured fg-offline" title={t("fg.offline.hint")}>
        {t("fg.offline")}
      </span>
    );
  }
  return <span className="badge fg-model">{by.replace(/^llm:/, "")}</span>;
}

/** True when the offline engine or the local method made it. */
export const isOffline = (by: string | null | undefined) =>
  by === OFFLINE_MARK || (typeof by === "string" && by.startsWith("local"));
