import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import { useUser } from "../../auth";
import { ME_QUERY_KEY } from "../../auth/AuthProvider";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { useAccountApi } from "./accountApi";

/** Name, email, system role and the web app's language of this account. */
export function ProfilePanel() {
  const { t, locale, setLocale } = useI18n();
  const me = useUser();
  const accountApi = useAccountApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState(me.full_name);
  const [language, setLanguage] = useState<"pl" | "en">(me.language ?? locale);
  const save = useMutation({
    mutationFn: () => accountApi.updateProfile({ full_name: name.trim(), language }),
    onSuccess: (saved) => {
      queryClient.setQueryData(ME_QUERY_KEY, saved);
      setLocale(language);
    },
  });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <section className="panel" aria-labelledby="profile-title">
      <header className="panel-header">
        <h2 id="profile-title">{t("account.profile.title")}</h2>
        <span className={`badge small role-${me.role}`}>{t(`account.role.${me.role}`)}</span>
      </header>
      <form className="stack" onSubmit={onSubmit}>
        <p className="muted small">
          {me.email} · {t(`account.roleHint.${me.role}`)}
        </p>
        <label>
          <span>{t("account.profile.name")}</span>
          <input value={name} maxLength={200} autoComplete="name" onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          <span>{t("account.profile.language")}</span>
          <select value={language} onChange={(event) => setLanguage(event.target.value === "en" ? "en" : "pl")}>
            <option value="pl">Polski</option>
            <option value="en">English</option>
          </select>
        </label>
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
