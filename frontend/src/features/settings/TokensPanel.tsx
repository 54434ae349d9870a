import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { TOKENS_KEY, useAccountApi } from "./accountApi";
import type { NewApiToken } from "./accountApi";

/** Personal API tokens for scripts: the secret is shown once, never again. */
export function TokensPanel() {
  const { t, formatDate } = useI18n();
  const accountApi = useAccountApi();
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: TOKENS_KEY, queryFn: accountApi.tokens });
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [created, setCreated] = useState<NewApiToken | null>(null);
  const create = useMutation({
    mutationFn: () => accountApi.createToken(name.trim(), days === "" ? null : Number(days)),
    onSuccess: async (token) => {
      setCreated(token);
      setName("");
      await queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => accountApi.revokeToken(id),
    onSuccess: async () => {
      setCreated(null);
      await queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
    },
  });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section className="panel" aria-labelledby="tokens-title">
      <header className="panel-header">
        <h2 id="tokens-title">{t("account.tokens.title")}</h2>
      </header>
      <p className="muted small">{t("account.tokens.hint")}</p>
      {created !== null && (
        <div className="token-once" role="status">
          <p>{t("account.tokens.once")}</p>
          <code data-testid="new-token">{created.token}</code>
        </div>
      )}
      {tokens.isPending && <Loading />}
      {tokens.isError && <ErrorMessage error={tokens.error} onRetry={() => void tokens.refetch()} />}
      {tokens.isSuccess && tokens.data.length === 0 && <p className="muted">{t("account.tokens.none")}</p>}
      {tokens.isSuccess && tokens.data.length > 0 && (
        <ul className="token-list">
          {tokens.data.map((token) => (
            <li key={token.id}>
              <div>
                <strong>{token.name}</strong> <code className="small">{token.token_prefix}…</code>
                <div className="muted small">
                  {t("account.tokens.created", { date: formatDate(token.created_at) })}
                  {" · "}
                  {token.expires_at === null ? t("account.tokens.noExpiry") : t("account.tokens.expires", { date: formatDate(token.expires_at) })}
                  {" · "}
                  {token.last_used_at === null ? t("account.tokens.unused") : t("account.tokens.lastUsed", { date: formatDate(token.last_used_at) })}
                </div>
              </div>
              <button type="button" className="secondary" disabled={revoke.isPending} onClick={() => revoke.mutate(token.id)}>
                {t("account.tokens.revoke")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {revoke.isError && <ErrorMessage error={revoke.error} />}
      <form className="row token-form" onSubmit={onSubmit}>
        <label>
          <span>{t("account.tokens.name")}</span>
          <input value={name} maxLength={100} required onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          <span>{t("account.tokens.days")}</span>
          <input type="number" min={1} max={3650} value={days} placeholder={t("account.tokens.noExpiry")} onChange={(event) => setDays(event.target.value)} />
        </label>
        <button type="submit" disabled={create.isPending || name.trim() === ""}>
          {t("account.tokens.create")}
        </button>
      </form>
      {create.isError && <ErrorMessage error={create.error} />}
    </section>
  );
}
