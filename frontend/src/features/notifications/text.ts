import type { Translate } from "../../i18n/types";
import type { Notification } from "./api";

const JOBS = ["personas.generate", "focus_groups.run", "analysis.run", "surveys.run", "knowledge.ingest"] as const;
type KnownJob = (typeof JOBS)[number];
const isKnownJob = (kind: unknown): kind is KnownJob => typeof kind === "string" && (JOBS as readonly string[]).includes(kind);

const str = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
const num = (value: unknown): number => (typeof value === "number" ? value : 0);

/** A notification's title and message in the user's language, from its kind and data. */
export function describe(n: Notification, t: Translate, money: (usd: number) => string): { title: string; message: string } {
  const data = n.data;
  const project = str(data["project_name"]);
  switch (n.notification_type) {
    case "job_succeeded":
    case "job_failed": {
      const kind = data["job_kind"];
      const what = isKnownJob(kind) ? t(`notif.job.${kind}`) : t("notif.job.other");
      const title =
        project === null
          ? t(n.notification_type === "job_failed" ? "notif.job_failed.noProject" : "notif.job_succeeded.noProject", { what })
          : t(n.notification_type === "job_failed" ? "notif.job_failed" : "notif.job_succeeded", { what, project });
      // A failure's reason comes from the server in English; it is shown as it is.
      return { title, message: n.notification_type === "job_failed" ? n.message : "" };
    }
    case "budget_warning":
    case "budget_critical":
      return {
        title: t(n.notification_type === "budget_critical" ? "notif.budget_critical" : "notif.budget_warning", {
          share: Math.round(num(data["threshold"]) * 100),
        }),
        message: t("notif.budget.message", { spent: money(num(data["spent_usd"])), budget: money(num(data["budget_usd"])) }),
      };
    case "project_shared":
      return { title: t("notif.project_shared", { project: project ?? "" }), message: "" };
    default:
      return { title: n.title, message: n.message };
  }
}
