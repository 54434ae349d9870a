import { useMemo } from "react";
import createClient from "openapi-fetch";
import { toApiError, useApi } from "../../api";
import type { components, paths } from "../../api/schema";

// Teams (src/sight/teams/endpoints.py): create, mine, rename, delete, invite by
// email, change roles, remove or leave.

export type Team = components["schemas"]["TeamOut"];
export type TeamRole = components["schemas"]["MemberOut"]["role"];
export const TEAM_ROLES: readonly TeamRole[] = ["owner", "member", "viewer"];
export const MY_TEAMS_KEY = ["teams", "my"] as const;

export function useTeamsApi() {
  const api = useApi();
  return useMemo(() => {
    const client = createClient<paths>({ baseUrl: api.session.baseUrl, fetch: api.session.fetch });
    const team = (id: string) => ({ params: { path: { team_id: id } } });
    const member = (id: string, userId: string) => ({ params: { path: { team_id: id, user_id: userId } } });
    const ok = <T>(result: { data?: T; error?: unknown; response: Response }): T => {
      if (result.response.ok && result.data !== undefined) return result.data;
      throw toApiError(result.response.status, result.error);
    };
    const done = (result: { error?: unknown; response: Response }): void => {
      if (!result.response.ok) throw toApiError(result.response.status, result.error);
    };
    return {
      async mine(): Promise<Team[]> {
        return ok(await client.GET("/api/v1/teams/my"));
      },
      async create(body: { name: string; description: string; monthly_budget_usd: number | null }): Promise<Team> {
        return ok(await client.POST("/api/v1/teams", { body }));
      },
      async update(id: string, body: { name?: string; description?: string; monthly_budget_usd?: number | null }): Promise<Team> {
        return ok(await client.PUT("/api/v1/teams/{team_id}", { ...team(id), body }));
      },
      async remove(id: string): Promise<void> {
        done(await client.DELETE("/api/v1/teams/{team_id}", team(id)));
      },
      async invite(id: string, email: string, role: TeamRole): Promise<Team> {
        return ok(await client.POST("/api/v1/teams/{team_id}/members", { ...team(id), body: { email, role } }));
      },
      async setRole(id: string, userId: string, role: TeamRole): Promise<Team> {
        return ok(await client.PUT("/api/v1/teams/{team_id}/members/{user_id}", { ...member(id, userId), body: { role } }));
      },
      async removeMember(id: string, userId: string): Promise<void> {
        done(await client.DELETE("/api/v1/teams/{team_id}/members/{user_id}", member(id, userId)));
      },
    };
  }, [api]);
}
