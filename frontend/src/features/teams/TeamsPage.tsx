import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import { useUser } from "../../auth";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { MY_TEAMS_KEY, TEAM_ROLES, useTeamsApi } from "./api";
import { TeamActivity } from "./TeamActivity";
import type { Team, TeamRole } from "./api";
import "./teams.css";

function money(value: number): string {
  return `$${value.toFixed(2)}`;
}

function useTeamsRefresh() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: ["teams"] });
    await queryClient.invalidateQueries({ queryKey: ["projects"] });
  };
}

function CreateTeam() {
  const { t } = useI18n();
  const teamsApi = useTeamsApi();
  const refresh = useTeamsRefresh();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [budget, setBudget] = useState("");
  const create = useMutation({
    mutationFn: () =>
      teamsApi.create({
        name: name.trim(),
        description: description.trim(),
        monthly_budget_usd: budget.trim() === "" ? null : Number(budget),
      }),
    onSuccess: async () => {
      setName("");
      setDescription("");
      setBudget("");
      await refresh();
    },
  });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section className="panel" aria-labelledby="team-new-title">
      <header className="panel-header">
        <h2 id="team-new-title">{t("teams.create.title")}</h2>
      </header>
      <form className="stack" onSubmit={onSubmit}>
        <label>
          <span>{t("teams.create.name")}</span>
          <input name="team-name" required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          <span>{t("teams.create.description")}</span>
          <textarea rows={2} maxLength={2000} value={description} onChange={(event) => setDescription(event.target.value)} />
        </label>
        <label>
          <span>{t("teams.budget.label")}</span>
          <input type="number" min={0} step="any" value={budget} placeholder={t("teams.budget.none")} onChange={(event) => setBudget(event.target.value)} />
        </label>
        {create.isError && <ErrorMessage error={create.error} />}
        <div className="row">
          <button type="submit" disabled={create.isPending || name.trim() === ""}>
            {t(create.isPending ? "teams.create.submitting" : "teams.create.submit")}
          </button>
        </div>
      </form>
    </section>
  );
}

function SpendBar({ team }: { team: Team }) {
  const { t } = useI18n();
  const limit = team.monthly_budget_usd;
  if (limit === null) {
    return <p className="muted small">{t("teams.budget.spentNoLimit", { spent: money(team.month_spent_usd) })}</p>;
  }
  const share = limit > 0 ? Math.min(1, team.month_spent_usd / limit) : 1;
  const level = share >= 0.9 ? "critical" : share >= 0.8 ? "warning" : "ok";
  return (
    <div className="team-spend">
      <div
        className={`team-spend-bar ${level}`}
        role="meter"
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={team.month_spent_usd}
        aria-label={t("teams.budget.meter")}
      >
        <span style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
      <p className="muted small">{t("teams.budget.spent", { spent: money(team.month_spent_usd), limit: money(limit) })}</p>
    </div>
  );
}

function TeamSettings({ team }: { team: Team }) {
  const { t } = useI18n();
  const teamsApi = useTeamsApi();
  const refresh = useTeamsRefresh();
  const [name, setName] = useState(team.name);
  const [budget, setBudget] = useState(team.monthly_budget_usd === null ? "" : String(team.monthly_budget_usd));
  const save = useMutation({
    mutationFn: () =>
      teamsApi.update(team.id, { name: name.trim(), monthly_budget_usd: budget.trim() === "" ? null : Number(budget) }),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: () => teamsApi.remove(team.id), onSuccess: refresh });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <details className="team-settings">
      <summary>{t("teams.settings.title")}</summary>
      <form className="stack" onSubmit={onSubmit}>
        <div className="row">
          <label>
            <span>{t("teams.create.name")}</span>
            <input value={name} maxLength={200} onChange={(event) => setName(event.target.value)} />
          </label>
          <label>
            <span>{t("teams.budget.label")}</span>
            <input type="number" min={0} step="any" value={budget} placeholder={t("teams.budget.none")} onChange={(event) => setBudget(event.target.value)} />
          </label>
        </div>
        {save.isError && <ErrorMessage error={save.error} />}
        {remove.isError && <ErrorMessage error={remove.error} />}
        <div className="row">
          <button type="submit" disabled={save.isPending}>
            {t("teams.settings.save")}
          </button>
          <button
            type="button"
            className="danger"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(t("teams.settings.confirmDelete", { name: team.name }))) remove.mutate();
            }}
          >
            {t("teams.settings.delete")}
          </button>
        </div>
        <p className="muted small">{t("teams.settings.deleteHint")}</p>
      </form>
    </details>
  );
}

function Invite({ team }: { team: Team }) {
  const { t } = useI18n();
  const teamsApi = useTeamsApi();
  const refresh = useTeamsRefresh();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<TeamRole>("member");
  const invite = useMutation({
    mutationFn: () => teamsApi.invite(team.id, email.trim(), role),
    onSuccess: async () => {
      setEmail("");
      await refresh();
    },
  });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    invite.mutate();
  };
  return (
    <form className="team-invite" onSubmit={onSubmit} aria-label={t("teams.invite.title")}>
      <label>
        <span>{t("teams.invite.email")}</span>
        <input type="email" required value={email} autoComplete="off" onChange={(event) => setEmail(event.target.value)} />
      </label>
      <label>
        <span>{t("teams.members.role")}</span>
        <select value={role} onChange={(event) => setRole(event.target.value as TeamRole)}>
          {TEAM_ROLES.map((value) => (
            <option key={value} value={value}>
              {t(`teams.role.${value}`)}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={invite.isPending || email.trim() === ""}>
        {t("teams.invite.submit")}
      </button>
      {invite.isError && <ErrorMessage error={invite.error} />}
    </form>
  );
}

function Members({ team, manages }: { team: Team; manages: boolean }) {
  const { t } = useI18n();
  const me = useUser();
  const teamsApi = useTeamsApi();
  const refresh = useTeamsRefresh();
  const change = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: TeamRole }) => teamsApi.setRole(team.id, userId, role),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (userId: string) => teamsApi.removeMember(team.id, userId),
    onSuccess: refresh,
  });
  return (
    <>
      <div className="table-scroll">
        <table className="team-members">
          <thead>
            <tr>
              <th scope="col">{t("teams.members.person")}</th>
              <th scope="col">{t("teams.members.role")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("teams.members.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {team.members.map((member) => {
              const isMe = member.user_id === me.id;
              return (
                <tr key={member.user_id}>
                  <td>
                    <div>{member.full_name || member.email}</div>
                    {member.full_name !== "" && <div className="muted small">{member.email}</div>}
                  </td>
                  <td>
                    {manages ? (
                      <select
                        aria-label={t("teams.members.roleOf", { name: member.full_name || member.email })}
                        value={member.role}
                        disabled={change.isPending}
                        onChange={(event) => change.mutate({ userId: member.user_id, role: event.target.value as TeamRole })}
                      >
                        {TEAM_ROLES.map((value) => (
                          <option key={value} value={value}>
                            {t(`teams.role.${value}`)}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <span className={`badge small role-${member.role}`}>{t(`teams.role.${member.role}`)}</span>
                    )}
                  </td>
                  <td className="team-member-actions">
                    {isMe ? (
                      <button
                        type="button"
                        className="secondary"
                        disabled={remove.isPending}
                        onClick={() => {
                          if (window.confirm(t("teams.members.confirmLeave", { name: team.name }))) remove.mutate(member.user_id);
                        }}
                      >
                        {t("teams.members.leave")}
                      </button>
                    ) : (
                      manages && (
                        <button type="button" className="secondary" disabled={remove.isPending} onClick={() => remove.mutate(member.user_id)}>
                          {t("teams.members.remove")}
                        </button>
                      )
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {change.isError && <ErrorMessage error={change.error} />}
      {remove.isError && <ErrorMessage error={remove.error} />}
    </>
  );
}

function TeamCard({ team }: { team: Team }) {
  const { t } = useI18n();
  const me = useUser();
  const manages = me.role !== "viewer" && (team.my_role === "owner" || me.role === "admin");
  return (
    <section className="panel team-card" aria-labelledby={`team-${team.id}`}>
      <header className="panel-header">
        <h2 id={`team-${team.id}`}>{team.name}</h2>
        {team.my_role !== null && <span className={`badge small role-${team.my_role}`}>{t(`teams.role.${team.my_role}`)}</span>}
      </header>
      {team.description !== "" && <p>{team.description}</p>}
      <p className="muted small">{t("teams.projects", { count: team.project_count })}</p>
      <SpendBar team={team} />
      <h3>{t("teams.members.title", { count: team.members.length })}</h3>
      <Members team={team} manages={manages} />
      {manages && <Invite team={team} />}
      {manages && <TeamSettings key={`${team.name}-${String(team.monthly_budget_usd)}`} team={team} />}
      {team.my_role === "owner" || me.role === "admin" ? <TeamActivity teamId={team.id} /> : null}
    </section>
  );
}

/** /teams: the caller's teams, their members and roles; create, invite, leave. */
export function TeamsPage() {
  const { t } = useI18n();
  const me = useUser();
  const teamsApi = useTeamsApi();
  const teams = useQuery({ queryKey: MY_TEAMS_KEY, queryFn: teamsApi.mine });
  return (
    <div className="teams-page">
      <h1>{t("teams.title")}</h1>
      <p className="muted">{t("teams.intro")}</p>
      <div className="teams-layout">
        <div className="teams-list">
          {teams.isPending && <Loading />}
          {teams.isError && <ErrorMessage error={teams.error} onRetry={() => void teams.refetch()} />}
          {teams.isSuccess && teams.data.length === 0 && <p className="panel muted">{t("teams.empty")}</p>}
          {teams.data?.map((team) => <TeamCard key={team.id} team={team} />)}
        </div>
        <aside className="teams-aside">
          {me.role === "viewer" ? <p className="panel muted">{t("teams.viewerNote")}</p> : <CreateTeam />}
          <section className="panel" aria-labelledby="team-roles-title">
            <header className="panel-header">
              <h2 id="team-roles-title">{t("teams.roles.title")}</h2>
            </header>
            <dl className="team-roles">
              {TEAM_ROLES.map((role) => (
                <div key={role}>
                  <dt>{t(`teams.role.${role}`)}</dt>
                  <dd>{t(`teams.roles.${role}`)}</dd>
                </div>
              ))}
            </dl>
          </section>
        </aside>
      </div>
    </div>
  );
}
