// Endpoints the SPA already calls but the server does not serve yet. Each entry
// has the same shape openapi-typescript generates, so the typed client accepts it;
// once the real endpoint is in openapi.json, delete its entry here.
export interface Project {
  id: string;
  name: string;
  description: string | null;
  created_at: string;
}

interface JsonResponse<T> {
  headers: { [name: string]: unknown };
  content: { "application/json": T };
}

export interface PendingPaths {
  "/api/v1/projects": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: {
        query?: { limit?: number; offset?: number };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        200: JsonResponse<{ items: Project[]; total: number }>;
        /** Until the projects domain lands, the API's catch-all answers 404. */
        404: JsonResponse<unknown>;
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
