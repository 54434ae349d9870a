import { useMutation } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import { useApi } from "../api";
import type { UserCreate } from "../api";
import { safeNext, useAuth } from "../auth";
import { ErrorMessage } from "../components/ErrorMessage";
import { useI18n } from "../i18n";
import { formValue } from "./formValue";

export function RegisterPage() {
  const { t } = useI18n();
  const api = useApi();
  const { state } = useAuth();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const register = useMutation({
    mutationFn: async (values: UserCreate) => {
      await api.register(values);
      await api.login({ email: values.email, password: values.password });
    },
  });

  if (state.status === "authenticated") return <Navigate to={next} replace />;

  const busy = register.isPending || (register.isSuccess && state.status === "loading");
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    register.mutate({
      full_name: formValue(form, "full_name").trim(),
      email: formValue(form, "email"),
      password: formValue(form, "password"),
    });
  };

  return (
    <section className="auth-card">
      <h1>{t("auth.register.title")}</h1>
      <form onSubmit={onSubmit} className="stack">
        <label>
          <span>{t("auth.fullName")}</span>
          <input name="full_name" type="text" autoComplete="name" required />
        </label>
        <label>
          <span>{t("auth.email")}</span>
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <div className="field">
          <label>
            <span>{t("auth.password")}</span>
            <input
              name="password"
              type="password"
              autoComplete="new-password"
              minLength={8}
              required
              aria-describedby="password-hint"
            />
          </label>
          <small id="password-hint" className="muted">
            {t("auth.register.passwordHint")}
          </small>
        </div>
        {register.isError && <ErrorMessage error={register.error} />}
        {state.status === "error" && <ErrorMessage error={state.error} onRetry={state.retry} />}
        <button type="submit" disabled={busy}>
          {t(busy ? "auth.register.submitting" : "auth.register.submit")}
        </button>
      </form>
      <p className="muted">
        {t("auth.register.haveAccount")}{" "}
        <Link to={next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`}>
          {t("auth.register.toLogin")}
        </Link>
      </p>
    </section>
  );
}
