import { useQuery } from "@tanstack/react-query";
import { useI18n } from "../../i18n";
import { MY_TEAMS_KEY, useTeamsApi } from "./api";

/**
 * "Only me" or one of the caller's teams where they may share work (owner or
 * member): the project form's team field.
 */
export function TeamPicker({
  value,
  onChange,
  disabled = false,
}: {
  value: string | null;
  onChange: (teamId: string | null) => void;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  const teamsApi = useTeamsApi();
  const teams = useQuery({ queryKey: MY_TEAMS_KEY, queryFn: teamsApi.mine });
  const shareable = (teams.data ?? []).filter((team) => team.my_role === "owner" || team.my_role === "member");
  // A project already in a team the caller cannot share into still shows it.
  const current = (teams.data ?? []).find((team) => team.id === value);
  const options = current !== undefined && !shareable.includes(current) ? [...shareable, current] : shareable;
  // The hint sits outside the label, so the field's name is the label alone.
  return (
    <div className="team-picker">
      <label>
        <span>{t("teams.picker.label")}</span>
        <select
          name="team_id"
          value={value ?? ""}
          disabled={disabled || teams.isPending}
          onChange={(event) => onChange(event.target.value === "" ? null : event.target.value)}
        >
          <option value="">{t("teams.picker.none")}</option>
          {options.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
      </label>
      <p className="muted small">
        {teams.isSuccess && teams.data.length === 0 ? t("teams.picker.noTeams") : t("teams.picker.hint")}
      </p>
    </div>
  );
}
