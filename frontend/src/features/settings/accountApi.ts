import { useMemo } from "react";
import createClient from "openapi-fetch";
import { toApiError, useApi } from "../../api";
import type { components, paths } from "../../api/schema";

// The account's own things: profile (PATCH /auth/me), personal API tokens
// (/auth/tokens), LLM usage (/usage).

export type Me = components["schemas"]["UserRead"];
export type ApiToken = components["schemas"]["ApiTokenRead"];
export type NewApiToken = components["schemas"]["ApiTokenCreated"];
export type UsageReport = components["schemas"]["UsageReport"];
export type UsageGrouping = "flow" | "model";
export const TOKENS_KEY = ["auth", "tokens"] as const;
export const usageKey = (groupBy: UsageGrouping) => ["usage", groupBy] as const;

export function useAccountApi() {
  const api = useApi();
  return useMemo(() => {
    const client = createClient<paths>({ baseUrl: api.session.baseUrl, fetch: api.session.fetch });
    const ok = <T>(result: { data?: T; error?: unknown; response: Response }): T => {
      if (result.response.ok && result.data !== undefined) return result.data;
      throw toApiError(result.response.status, result.error);
    };
    return {
      async updateProfile(body: { full_name?: string; language?: "pl" | "en" | null }): Promise<Me> {
        return ok(await client.PATCH("/api/v1/auth/me", { body }));
      },
      async tokens(): Promise<ApiToken[]> {
        return ok(await client.GET("/api/v1/auth/tokens"));
      },
      async createToken(name: string, expiresInDays: number | null): Promise<NewApiToken> {
        return ok(await client.POST("/api/v1/auth/tokens", { body: { name, expires_in_days: expiresInDays } }));
      },
      async revokeToken(id: string): Promise<void> {
        const result = await client.DELETE("/api/v1/auth/tokens/{token_id}", { params: { path: { token_id: id } } });
        if (!result.response.ok) throw toApiError(result.response.status, result.error);
      },
      async usage(groupBy: UsageGrouping): Promise<UsageReport> {
        return ok(await client.GET("/api/v1/usage", { params: { query: { group_by: groupBy } } }));
      },
    };
  }, [api]);
}
