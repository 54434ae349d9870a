import { useMemo } from "react";
import createClient from "openapi-fetch";
import { toApiError, useApi } from "../../api";
import type { PersonaPage } from "../../api";
import type { paths } from "../../api/schema";

/** Every filter the persona list accepts (src/sight/personas/endpoints.py). */
export const FILTERS = ["age_group", "gender", "location", "urban_rural", "education", "income_band"] as const;
export type Filter = (typeof FILTERS)[number];

export type PersonaFilters = Partial<Record<Filter, string>>;

export function usePersonasApi() {
  const api = useApi();
  return useMemo(() => {
    const client = createClient<paths>({ baseUrl: api.session.baseUrl, fetch: api.session.fetch });
    return {
      async list(projectId: string, filters: PersonaFilters, limit: number, offset: number): Promise<PersonaPage> {
        const { data, error, response } = await client.GET("/api/v1/projects/{project_id}/personas", {
          params: { path: { project_id: projectId }, query: { ...filters, limit, offset } },
        });
        if (response.ok && data !== undefined) return data;
        throw toApiError(response.status, error);
      },
    };
  }, [api]);
}
