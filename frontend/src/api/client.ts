import createClient from "openapi-fetch";
import { ApiError, toApiError } from "./errors";
import type { PendingPaths } from "./pending";
import type { paths } from "./schema";
import type { Session } from "./session";
import type { LoginRequest, Project, StartupReport, User, UserCreate } from "./types";

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function unwrap<T>({ data, error, response }: Result<T>): T {
  if (response.ok && data !== undefined) return data;
  throw toApiError(response.status, error);
}

function isStartupReport(value: unknown): value is StartupReport {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>)["ready"] === "boolean" &&
    typeof (value as Record<string, unknown>)["dependencies"] === "object"
  );
}

export function createApi(session: Session) {
  const client = createClient<paths & PendingPaths>({ baseUrl: session.baseUrl, fetch: session.fetch });

  async function me(): Promise<User> {
    return unwrap(await client.GET("/api/v1/auth/me"));
  }

  // Plain functions, not methods, so callers can pass them around (`queryFn: api.me`).
  return {
    session,
    me,

    async register(body: UserCreate): Promise<User> {
      return unwrap(await client.POST("/api/v1/auth/register", { body }));
    },

    /** Stores the tokens; the session's listeners then load the user. */
    async login(body: LoginRequest): Promise<void> {
      session.setTokens(unwrap(await client.POST("/api/v1/auth/login", { body })));
    },

    /** Revokes the refresh token on the server; signs out locally whatever happens. */
    async logout(): Promise<void> {
      const refreshToken = session.refreshToken;
      try {
        if (refreshToken !== null) {
          await client.POST("/api/v1/auth/logout", { body: { refresh_token: refreshToken } });
        }
      } finally {
        session.clear();
      }
    },

    /** Projects are not served yet everywhere: a 404 means "none" rather than an error. */
    async listProjects(): Promise<Project[]> {
      const result = await client.GET("/api/v1/projects");
      if (result.response.status === 404) return [];
      return unwrap(result).items;
    },

    /** 503 still carries the report: it is how the server says "not ready". */
    async startup(): Promise<StartupReport> {
      const { data, error, response } = await client.GET("/startup");
      const body: unknown = response.ok ? data : error;
      if ((response.ok || response.status === 503) && isStartupReport(body)) return body;
      throw toApiError(response.status, error);
    },
  };
}

export type Api = ReturnType<typeof createApi>;
export { ApiError };
