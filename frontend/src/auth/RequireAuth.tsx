import { Navigate, Outlet, useLocation } from "react-router";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { useAuth } from "./AuthProvider";

export function RequireAuth() {
  const { state } = useAuth();
  const location = useLocation();

  switch (state.status) {
    case "anonymous": {
      const next = `${location.pathname}${location.search}`;
      const search = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
      return <Navigate to={`/login${search}`} replace />;
    }
    case "loading":
      return <Loading />;
    case "error":
      return <ErrorMessage error={state.error} onRetry={state.retry} />;
    case "authenticated":
      return <Outlet />;
  }
}

/** Only same-site paths: `?next=https://evil.example` must not redirect off site. */
export function safeNext(value: string | null): string {
  if (value === null || !value.startsWith("/") || value.startsWith("//")) return "/";
  return value;
}
