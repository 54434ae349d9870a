import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import createClient from "openapi-fetch";
import { toApiError, useApi } from "../../api";
import type { components, paths } from "../../api/schema";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { LLM_SETTINGS_KEY } from "../../components/OfflineBanner";
import { useI18n } from "../../i18n";
import { NotificationSettings } from "../notifications/NotificationSettings";
import { ProfilePanel } from "./ProfilePanel";
import { RoutesPanel } from "./RoutesPanel";
import { TokensPanel } from "./TokensPanel";
import { UsagePanel } from "./UsagePanel";
import "./settings.css";

type Settings = components["schemas"]["LLMSettingsRead"];
type Update = components["schemas"]["LLMSettingsUpdate"];
const PROVIDERS = ["offline", "gemini", "openai", "anthropic", "ollama"] as const;
type Provider = (typeof PROVIDERS)[number];
const NEEDS_KEY: ReadonlySet<Provider> = new Set(["gemini", "openai", "anthropic"]);

const isProvider = (value: string | null | undefined): value is Provider =>
  value != null && (PROVIDERS as readonly string[]).includes(value);

function useSettingsApi() {
  const api = useApi();
  const client = createClient<paths>({ baseUrl: api.session.baseUrl, fetch: api.session.fetch });
  return {
    async read(): Promise<Settings> {
      const { data, error, response } = await client.GET("/api/v1/settings/llm");
      if (response.ok && data !== undefined) return data;
      throw toApiError(response.status, error);
    },
    async write(body: Update): Promise<Settings> {
      const { data, error, response } = await client.PUT("/api/v1/settings/llm", { body });
      if (response.ok && data !== undefined) return data;
      throw toApiError(response.status, error);
    },
  };
}

function LlmForm({ settings }: { settings: Settings }) {
  const { t } = useI18n();
  const settingsApi = useSettingsApi();
  const queryClient = useQueryClient();
  const initial = isProvider(settings.provider) ? settings.provider : isProvider(settings.effective_default_provider) ? settings.effective_default_provider : "offline";
  const [provider, setProvider] = useState<Provider>(initial);
  const [key, setKey] = useState("");
  const [baseUrl, setBaseUrl] = useState(settings.openai_base_url ?? "");
  const [budget, setBudget] = useState(String(settings.monthly_budget_usd));
  const save = useMutation({
    mutationFn: () => {
      const body: Update = { provider, monthly_budget_usd: Number(budget) };
      if (key.trim() !== "") body.api_keys = { [provider]: key.trim() };
      if (provider === "openai" || provider === "ollama") body.openai_base_url = baseUrl.trim() === "" ? null : baseUrl.trim();
      return settingsApi.write(body);
    },
    onSuccess: (saved) => {
      setKey("");
      queryClient.setQueryData(LLM_SETTINGS_KEY, saved);
    },
  });
  const stored = settings.keys.find((entry) => entry.provider === provider)?.set === true;
  const providerName = (value: Provider) => t(`settings.llm.provider.${value}`);
  const current = isProvider(settings.effective_default_provider)
    ? providerName(settings.effective_default_provider)
    : settings.effective_default_provider;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <form className="stack" onSubmit={onSubmit}>
      <p>
        <strong data-testid="llm-current">{t("settings.llm.current", { provider: current })}</strong>
      </p>
      {settings.effective_default_provider === "offline" && <p className="muted">{t("settings.llm.offlineNote")}</p>}
      <label>
        <span>{t("settings.llm.provider")}</span>
        <select value={provider} onChange={(event) => setProvider(event.target.value as Provider)}>
          {PROVIDERS.map((value) => (
            <option key={value} value={value}>
              {providerName(value)}
            </option>
          ))}
        </select>
      </label>
      {NEEDS_KEY.has(provider) && (
        <label>
          <span>{t("settings.llm.apiKey", { provider: providerName(provider) })}</span>
          <input type="password" autoComplete="off" value={key} onChange={(event) => setKey(event.target.value)} />
          <span className="muted small">{t(stored ? "settings.llm.keyStored" : "settings.llm.keyMissing")}</span>
        </label>
      )}
      {(provider === "openai" || provider === "ollama") && (
        <label>
          <span>{t("settings.llm.baseUrl")}</span>
          <input type="url" value={baseUrl} onChange={(event) => setBaseUrl(event.target.value)} />
        </label>
      )}
      <label>
        <span>{t("settings.llm.budget")}</span>
        <input type="number" min={0} step="any" value={budget} onChange={(event) => setBudget(event.target.value)} />
      </label>
      {save.isError && <ErrorMessage error={save.error} />}
      {save.isSuccess && (
        <p className="muted" role="status">
          {t("settings.llm.saved")}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {t(save.isPending ? "settings.llm.saving" : "settings.llm.save")}
        </button>
      </div>
    </form>
  );
}

/**
 * /settings and /account: the profile, which model answers (provider, keys,
 * budget, model per task), notification thresholds, API tokens, and this
 * month's usage and cost.
 */
export function SettingsPage() {
  const { t } = useI18n();
  const settingsApi = useSettingsApi();
  const settings = useQuery({ queryKey: LLM_SETTINGS_KEY, queryFn: settingsApi.read });

  return (
    <div className="settings">
      <h1>{t("settings.title")}</h1>
      <div className="columns">
        <ProfilePanel />
        <section className="panel" aria-labelledby="llm-title">
          <header className="panel-header">
            <h2 id="llm-title">{t("settings.llm.title")}</h2>
          </header>
          {settings.isPending && <Loading />}
          {settings.isError && <ErrorMessage error={settings.error} onRetry={() => void settings.refetch()} />}
          {settings.data !== undefined && <LlmForm key={settings.dataUpdatedAt} settings={settings.data} />}
        </section>
        <NotificationSettings />
        <UsagePanel />
        <TokensPanel />
        {settings.data !== undefined && settings.data.routes.length > 0 && (
          <RoutesPanel
            key={settings.dataUpdatedAt}
            settings={settings.data}
            write={(overrides) => settingsApi.write({ overrides })}
          />
        )}
      </div>
    </div>
  );
}
