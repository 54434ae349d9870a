import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { PREFERENCES_KEY, useNotificationsApi } from "./api";
import type { Preferences } from "./api";

const SWITCHES = ["job_succeeded", "job_failed", "budget", "project_shared"] as const;
type Switch = (typeof SWITCHES)[number];

function PreferencesForm({ preferences }: { preferences: Preferences }) {
  const { t, locale } = useI18n();
  const notificationsApi = useNotificationsApi();
  const queryClient = useQueryClient();
  const [switches, setSwitches] = useState<Record<Switch, boolean>>({
    job_succeeded: preferences.job_succeeded,
    job_failed: preferences.job_failed,
    budget: preferences.budget,
    project_shared: preferences.project_shared,
  });
  const [warning, setWarning] = useState(String(Math.round(preferences.warning_threshold * 100)));
  const [critical, setCritical] = useState(String(Math.round(preferences.critical_threshold * 100)));
  const save = useMutation({
    mutationFn: () =>
      notificationsApi.savePreferences({
        ...switches,
        warning_threshold: Number(warning) / 100,
        critical_threshold: Number(critical) / 100,
      }),
    onSuccess: (saved) => queryClient.setQueryData(PREFERENCES_KEY, saved),
  });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate();
  };
  const budget = new Intl.NumberFormat(locale, { style: "currency", currency: "USD" }).format(preferences.monthly_budget_usd);
  return (
    <form className="stack" onSubmit={onSubmit} data-testid="notification-settings">
      <fieldset className="notif-switches">
        {SWITCHES.map((name) => (
          <label key={name} className="notif-switch">
            <input
              type="checkbox"
              checked={switches[name]}
              onChange={(event) => setSwitches((current) => ({ ...current, [name]: event.target.checked }))}
            />
            <span>{t(`notif.settings.${name}`)}</span>
          </label>
        ))}
      </fieldset>
      <p className="muted small">{t("notif.settings.budget.of", { budget })}</p>
      <div className="notif-thresholds">
        <label>
          <span>{t("notif.settings.warning")}</span>
          <input type="number" min={1} max={100} step={1} value={warning} onChange={(event) => setWarning(event.target.value)} />
        </label>
        <label>
          <span>{t("notif.settings.critical")}</span>
          <input type="number" min={1} max={100} step={1} value={critical} onChange={(event) => setCritical(event.target.value)} />
        </label>
      </div>
      {save.isError && <ErrorMessage error={save.error} />}
      {save.isSuccess && (
        <p className="muted" role="status">
          {t("notif.settings.saved")}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {t("notif.settings.save")}
        </button>
      </div>
    </form>
  );
}

/** Which notifications reach the user, and the spend thresholds (a panel for Settings). */
export function NotificationSettings() {
  const { t } = useI18n();
  const notificationsApi = useNotificationsApi();
  const preferences = useQuery({ queryKey: PREFERENCES_KEY, queryFn: notificationsApi.preferences });
  return (
    <section className="panel" aria-labelledby="notif-settings-title">
      <header className="panel-header">
        <h2 id="notif-settings-title">{t("notif.settings.title")}</h2>
      </header>
      {preferences.isPending && <Loading />}
      {preferences.isError && <ErrorMessage error={preferences.error} onRetry={() => void preferences.refetch()} />}
      {preferences.data !== undefined && <PreferencesForm key={preferences.dataUpdatedAt} preferences={preferences.data} />}
    </section>
  );
}
