import { useMutation } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import { useApi } from "../api";
import { safeNext, useAuth } from "../auth";
import { ErrorMessage } from "../components/ErrorMessage";
import { useI18n } from "../i18n";
import { formValue } from "./formValue";

export function LoginPage() {
  const { t } = useI18n();
  const api = useApi();
  const { state } = useAuth();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const login = useMutation({ mutationFn: api.login });

  if (state.status === "authenticated") return <Navigate to={next} replace />;

  const busy = login.isPending || (login.isSuccess && state.status === "loading");
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    login.mutate({ email: formValue(form, "email"), password: formValue(form, "password") });
  };

  return (
    <section className="auth-card">
      <h1>{t("auth.login.title")}</h1>
      {state.status === "anonymous" && state.sessionExpired && !login.isPending && (
        <p className="notice" role="status">
          {t("auth.sessionExpired")}
        </p>
      )}
      <form onSubmit={onSubmit} className="stack">
        <label>
          <span>{t("auth.email")}</span>
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          <span>{t("auth.password")}</span>
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {login.isError && <ErrorMessage error={login.error} />}
        {state.status === "error" && <ErrorMessage error={state.error} onRetry={state.retry} />}
        <button type="submit" disabled={busy}>
          {t(busy ? "auth.login.submitting" : "auth.login.submit")}
        </button>
      </form>
      <p className="muted">
        {t("auth.login.noAccount")}{" "}
        <Link to={next === "/" ? "/register" : `/register?next=${encodeURIComponent(next)}`}>
          {t("auth.login.toRegister")}
        </Link>
      </p>
    </section>
  );
}
