import createClient from "openapi-fetch";
import { ApiError, toApiError } from "./errors";
import { followEventStream } from "./sse";
import type { SseEvent } from "./sse";
import type { paths } from "./schema";
import type { Session } from "./session";
import type {
  GenerateAccepted,
  Job,
  LoginRequest,
  Persona,
  PersonaPage,
  PersonaSummary,
  Project,
  ProjectCreate,
  ProjectPage,
  StartupReport,
  User,
  UserCreate,
} from "./types";

export interface PersonaQuery {
  limit: number;
  offset: number;
  gender?: string;
  age_group?: string;
}

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

export const JOB_TERMINAL_EVENTS: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);

export function createApi(session: Session) {
  const client = createClient<paths>({ baseUrl: session.baseUrl, fetch: session.fetch });

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

    /** Signs in; the refresh token comes back as an HttpOnly cookie, never to scripts. */
    async login(body: Omit<LoginRequest, "refresh_in">): Promise<void> {
      const credentials: LoginRequest = { ...body, refresh_in: "cookie" };
      session.setTokens(unwrap(await client.POST("/api/v1/auth/login", { body: credentials })));
    },

    /** Ends this login on the server (named by the access token) and drops the
     * cookie; signs out locally whatever happens. */
    async logout(): Promise<void> {
      try {
        if (session.isSignedIn) await client.POST("/api/v1/auth/logout", {});
      } finally {
        session.clear();
      }
    },

    async listProjects(page: { limit: number; offset: number } = { limit: 100, offset: 0 }): Promise<ProjectPage> {
      return unwrap(await client.GET("/api/v1/projects", { params: { query: page } }));
    },

    async getProject(projectId: string): Promise<Project> {
      return unwrap(await client.GET("/api/v1/projects/{project_id}", { params: { path: { project_id: projectId } } }));
    },

    async createProject(body: ProjectCreate): Promise<Project> {
      return unwrap(await client.POST("/api/v1/projects", { body }));
    },

    async generatePersonas(projectId: string, numPersonas: number): Promise<GenerateAccepted> {
      const result = await client.POST("/api/v1/projects/{project_id}/personas/generate", {
        params: { path: { project_id: projectId } },
        body: { num_personas: numPersonas },
      });
      const accepted = unwrap(result);
      if (typeof accepted["job_id"] !== "string" || typeof accepted["events_url"] !== "string") {
        throw toApiError(result.response.status, null);
      }
      return accepted as GenerateAccepted;
    },

    async getJob(jobId: string): Promise<Job> {
      return unwrap(await client.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: jobId } } }));
    },

    async cancelJob(jobId: string): Promise<void> {
      const result = await client.POST("/api/v1/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } });
      if (!result.response.ok) throw toApiError(result.response.status, result.error);
    },

    async listPersonas(projectId: string, query: PersonaQuery): Promise<PersonaPage> {
      return unwrap(
        await client.GET("/api/v1/projects/{project_id}/personas", {
          params: { path: { project_id: projectId }, query },
        }),
      );
    },

    async personaSummary(projectId: string): Promise<PersonaSummary> {
      return unwrap(
        await client.GET("/api/v1/projects/{project_id}/personas/summary", {
          params: { path: { project_id: projectId } },
        }),
      );
    },

    async getPersona(personaId: string): Promise<Persona> {
      return unwrap(await client.GET("/api/v1/personas/{persona_id}", { params: { path: { persona_id: personaId } } }));
    },

    async deletePersona(personaId: string): Promise<Persona> {
      return unwrap(
        await client.DELETE("/api/v1/personas/{persona_id}", { params: { path: { persona_id: personaId } } }),
      );
    },

    async restorePersona(personaId: string): Promise<Persona> {
      return unwrap(
        await client.POST("/api/v1/personas/{persona_id}/restore", { params: { path: { persona_id: personaId } } }),
      );
    },

    /** Follows a job's event stream (signed with the session's token). */
    followJob(eventsUrl: string, onEvent: (event: SseEvent) => void, signal: AbortSignal): Promise<string> {
      return followEventStream({
        fetch: session.fetch,
        url: new URL(eventsUrl, `${session.baseUrl}/`).toString(),
        onEvent,
        terminal: JOB_TERMINAL_EVENTS,
        signal,
      });
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
