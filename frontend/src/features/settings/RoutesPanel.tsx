import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import { ErrorMessage } from "../../components/ErrorMessage";
import { LLM_SETTINGS_KEY } from "../../components/OfflineBanner";
import { useI18n } from "../../i18n";
import type { components } from "../../api/schema";

type Settings = components["schemas"]["LLMSettingsRead"];
type FlowOverride = components["schemas"]["FlowOverride"];
type Provider = NonNullable<FlowOverride["provider"]>;
const PROVIDERS: readonly Provider[] = ["offline", "gemini", "openai", "anthropic", "ollama"];

interface Choice {
  provider: Provider | "";
  model: string;
}

/** The model answering each task (flow), with the user's own choice per task. */
export function RoutesPanel({
  settings,
  write,
}: {
  settings: Settings;
  write: (overrides: Record<string, FlowOverride>) => Promise<Settings>;
}) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const initial = (): Record<string, Choice> =>
    Object.fromEntries(
      settings.routes.map((route) => {
        const own = settings.overrides[route.flow] ?? {};
        const provider = typeof own["provider"] === "string" ? (own["provider"] as Provider) : "";
        const model = typeof own["model"] === "string" ? own["model"] : "";
        return [route.flow, { provider, model }];
      }),
    );
  const [choices, setChoices] = useState<Record<string, Choice>>(initial);
  const save = useMutation({
    mutationFn: () => {
      const overrides: Record<string, FlowOverride> = {};
      for (const [flow, choice] of Object.entries(choices)) {
        const entry: FlowOverride = {};
        if (choice.provider !== "") entry.provider = choice.provider;
        if (choice.model.trim() !== "") entry.model = choice.model.trim();
        if (Object.keys(entry).length > 0) overrides[flow] = entry;
      }
      return write(overrides);
    },
    onSuccess: (saved) => queryClient.setQueryData(LLM_SETTINGS_KEY, saved),
  });
  const set = (flow: string, change: Partial<Choice>) =>
    setChoices((previous) => ({ ...previous, [flow]: { ...(previous[flow] ?? { provider: "", model: "" }), ...change } }));
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <section className="panel settings-wide" aria-labelledby="routes-title">
      <header className="panel-header">
        <h2 id="routes-title">{t("settings.llm.routes")}</h2>
      </header>
      <p className="muted small">{t("account.routes.hint")}</p>
      <form onSubmit={onSubmit}>
        <div className="table-scroll">
          <table className="routes-table">
            <thead>
              <tr>
                <th scope="col">{t("settings.llm.flow")}</th>
                <th scope="col">{t("account.routes.now")}</th>
                <th scope="col">{t("settings.llm.provider")}</th>
                <th scope="col">{t("settings.llm.model")}</th>
              </tr>
            </thead>
            <tbody>
              {settings.routes.map((route) => {
                const choice = choices[route.flow] ?? { provider: "", model: "" };
                return (
                  <tr key={route.flow}>
                    <td>
                      <code>{route.flow}</code>
                    </td>
                    <td className="small">
                      {route.provider} · {route.model}
                    </td>
                    <td>
                      <select
                        aria-label={t("account.routes.providerFor", { flow: route.flow })}
                        value={choice.provider}
                        onChange={(event) => set(route.flow, { provider: event.target.value as Provider | "" })}
                      >
                        <option value="">{t("account.routes.default")}</option>
                        {PROVIDERS.map((value) => (
                          <option key={value} value={value}>
                            {t(`settings.llm.short.${value}`)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <input
                        aria-label={t("account.routes.modelFor", { flow: route.flow })}
                        value={choice.model}
                        maxLength={120}
                        placeholder={t("account.routes.default")}
                        onChange={(event) => set(route.flow, { model: event.target.value })}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        {save.isError && <ErrorMessage error={save.error} />}
        {save.isSuccess && (
          <p className="muted" role="status">
            {t("settings.llm.saved")}
          </p>
        )}
        <div className="row">
          <button type="submit" disabled={save.isPending}>
            {t("settings.llm.save")}
          </button>
        </div>
      </form>
    </section>
  );
}
