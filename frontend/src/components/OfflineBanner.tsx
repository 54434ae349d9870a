import { useQuery } from "@tanstack/react-query";
import createClient from "openapi-fetch";
import { Link } from "react-router";
import { toApiError, useApi } from "../api";
import type { paths } from "../api/schema";
import { useI18n } from "../i18n";

export const LLM_SETTINGS_KEY = ["settings", "llm"] as const;
/** Where the model settings live in the web app. */
export const SETTINGS_PATH = "/settings";

/**
 * A visible notice while no language model is configured: everything the user sees
 * then comes from the offline engine (GET /api/v1/settings/llm says which provider
 * answers by default).
 */
export function usesOffline(settings: { effective_default_provider: string; routes?: { provider: string }[] } | undefined): boolean {
  if (settings === undefined) return false;
  const routes = settings.routes ?? [];
  return routes.length > 0 ? routes.some((route) => route.provider === "offline") : settings.effective_default_provider === "offline";
}

export function OfflineBanner() {
  const api = useApi();
  const { t } = useI18n();
  const settings = useQuery({
    queryKey: LLM_SETTINGS_KEY,
    queryFn: async () => {
      const client = createClient<paths>({ baseUrl: api.session.baseUrl, fetch: api.session.fetch });
      const { data, error, response } = await client.GET("/api/v1/settings/llm");
      if (response.ok && data !== undefined) return data;
      throw toApiError(response.status, error);
    },
    staleTime: 60_000,
    refetchOnWindowFocus: true,
  });
  // The routes are this user's (their own provider and keys, else the
  // deployment's): a user with their own key sees no banner on a keyless server.
  if (!usesOffline(settings.data)) return null;
  return (
    <div className="offline-banner" role="status" data-testid="offline-banner">
      <span>{t("offline.banner")}</span> <Link to={SETTINGS_PATH}>{t("offline.settings")}</Link>
    </div>
  );
}
