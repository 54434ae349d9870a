import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import createClient from "openapi-fetch";
import { toApiError, useApi } from "../../api";
import type { components, paths } from "../../api/schema";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";

type Entry = components["schemas"]["AuditEntryRead"];

const ACTIONS = {
  "project.delete": "teams.activity.project.delete",
  "persona.delete": "teams.activity.persona.delete",
  "persona.restore": "teams.activity.persona.restore",
  "document.delete": "teams.activity.document.delete",
  "focus_group.delete": "teams.activity.focus_group.delete",
  "survey.delete": "teams.activity.survey.delete",
  "team.delete": "teams.activity.team.delete",
  "team.budget_change": "teams.activity.team.budget_change",
  "team.member_add": "teams.activity.team.member_add",
  "team.member_role": "teams.activity.team.member_role",
  "team.member_remove": "teams.activity.team.member_remove",
  "team.member_leave": "teams.activity.team.member_leave",
} as const;

const isKnown = (action: string): action is keyof typeof ACTIONS => action in ACTIONS;

function describe(entry: Entry): string {
  const details = entry.details;
  const name = typeof details["name"] === "string" ? details["name"] : "";
  const email = typeof details["email"] === "string" ? details["email"] : "";
  if (entry.action === "team.member_role") return `${String(details["from"] ?? "")} → ${String(details["to"] ?? "")}`;
  if (entry.action === "team.budget_change") return details["monthly_budget_usd"] == null ? "—" : `$${String(details["monthly_budget_usd"])}`;
  return name || email;
}

/** The team's recent destructive actions and membership changes (owners only). */
export function TeamActivity({ teamId }: { teamId: string }) {
  const { t, formatDate, formatTime } = useI18n();
  const api = useApi();
  const client = useMemo(() => createClient<paths>({ baseUrl: api.session.baseUrl, fetch: api.session.fetch }), [api]);
  const log = useQuery({
    queryKey: ["teams", teamId, "audit"],
    queryFn: async () => {
      const { data, error, response } = await client.GET("/api/v1/audit", { params: { query: { team_id: teamId, limit: 10 } } });
      if (response.ok && data !== undefined) return data;
      throw toApiError(response.status, error);
    },
  });
  return (
    <details className="team-settings">
      <summary>{t("teams.activity.title")}</summary>
      {log.isError && <ErrorMessage error={log.error} />}
      {log.isSuccess && log.data.items.length === 0 && <p className="muted">{t("teams.activity.none")}</p>}
      {log.isSuccess && log.data.items.length > 0 && (
        <ul className="team-activity">
          {log.data.items.map((entry) => (
            <li key={entry.id}>
              <span className="muted small">
                {formatDate(entry.created_at)} {formatTime(entry.created_at)}
              </span>
              <span>
                <strong>{entry.actor_email}</strong>{" "}
                {isKnown(entry.action) ? t(ACTIONS[entry.action]) : entry.action} <em>{describe(entry)}</em>
              </span>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
