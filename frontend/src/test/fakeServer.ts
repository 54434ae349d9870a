import type { Project, StartupReport, User } from "../api";

interface Call {
  method: string;
  path: string;
  authorization: string | null;
  status: number;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

/** A project as the API returns it, with defaults for what a test does not care about. */
export function fakeProject(fields: Partial<Project> & Pick<Project, "id" | "name">): Project {
  return {
    description: "",
    research_goal: "",
    language: "en",
    country: "pl",
    target_sample_size: 20,
    target_demographics: {},
    target_distribution: {},
    fit_report: null,
    budget_usd: null,
    llm_overrides: {},
    owner_id: "00000000-0000-4000-8000-000000000001",
    team_id: null,
    access: "admin",
    created_at: "2026-02-01T09:00:00Z",
    updated_at: "2026-02-01T09:00:00Z",
    ...fields,
  };
}

/** The API's one error shape: `detail` a sentence; field problems in `errors`. */
const problem = (status: number, error: string, detail: string, errors?: unknown[]) =>
  json(status, errors === undefined ? { error, detail } : { error, detail, errors });

export const READY_REPORT: StartupReport = {
  ready: true,
  dependencies: {
    postgres: { status: "ok", latency_ms: 1.2, detail: null },
    redis: { status: "not_configured", latency_ms: null, detail: null },
    neo4j: { status: "not_configured", latency_ms: null, detail: null },
  },
};

/**
 * An in-memory stand-in for the Sight API that keeps the auth contract: rotating
 * refresh tokens (in the body, or as the browser's HttpOnly cookie), bearer-protected
 * /me, the `{error, detail, errors?}` error shape.
 */
export class FakeServer {
  readonly calls: Call[] = [];
  readonly users = new Map<string, { user: User; password: string }>();
  readonly accessTokens = new Map<string, string>();
  /** The login each access token was issued for, kept after it expires. */
  readonly accessFamilies = new Map<string, number>();
  /** The refresh cookie as the browser holds it: sent only to /refresh, never to scripts. */
  cookie: string | null = null;
  readonly refreshTokens = new Map<string, { email: string; family: number; used: boolean; revoked: boolean }>();
  startup: { status: number; body: unknown } = { status: 200, body: READY_REPORT };
  projects: Project[] = [];
  /** When set, every bearer request is refused, even with a fresh token. */
  refuseAllBearers = false;
  refreshFailsWith: number | null = null;
  #counter = 0;

  addUser(email: string, password: string, fullName: string): User {
    const user: User = {
      id: `00000000-0000-4000-8000-${String(this.users.size + 1).padStart(12, "0")}`,
      email,
      full_name: fullName,
      role: "researcher",
      language: null,
      created_at: "2026-01-15T10:00:00Z",
    };
    this.users.set(email, { user, password });
    return user;
  }

  /** Issues a token pair as /login would, for tests that start signed in. */
  issueTokens(email: string, family = ++this.#counter) {
    const access = `access-${++this.#counter}`;
    const refresh = `refresh-${++this.#counter}`;
    this.accessTokens.set(access, email);
    this.accessFamilies.set(access, family);
    this.refreshTokens.set(refresh, { email, family, used: false, revoked: false });
    return { access_token: access, refresh_token: refresh, token_type: "bearer", expires_in: 900 };
  }

  isUsable(refreshToken: string | null): boolean {
    const record = this.refreshTokens.get(refreshToken ?? "");
    return record !== undefined && !record.used && !record.revoked;
  }

  usableRefreshTokens(): number {
    return [...this.refreshTokens.keys()].filter((token) => this.isUsable(token)).length;
  }

  revokeAllRefreshTokens(): void {
    for (const record of this.refreshTokens.values()) record.revoked = true;
  }

  #revokeFamily(family: number): void {
    for (const record of this.refreshTokens.values()) if (record.family === family) record.revoked = true;
  }

  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  count(path: string): number {
    return this.calls.filter((call) => call.path === path).length;
  }

  handle = async (request: Request): Promise<Response> => {
    const response = await this.#route(request);
    this.calls.push({
      method: request.method,
      path: new URL(request.url).pathname,
      authorization: request.headers.get("Authorization"),
      status: response.status,
    });
    return response;
  };

  async #route(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const route = `${request.method} ${path}`;
    const body = async () => {
      const text = await request.text();
      return (text === "" ? {} : JSON.parse(text)) as Record<string, string>;
    };

    switch (route) {
      case "GET /startup":
        return json(this.startup.status, this.startup.body);

      case "POST /api/v1/auth/register": {
        const { email = "", password = "", full_name = "" } = await body();
        // Like email-validator behind pydantic's EmailStr: a domain needs a dot.
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
          return problem(422, "ValidationError", "invalid input: email: not a valid email address", [
            {
              loc: ["body", "email"],
              field: "email",
              msg: "value is not a valid email address: An email address must have a period in the domain.",
              type: "value_error",
            },
          ]);
        }
        if (this.users.has(email)) return problem(409, "EmailTaken", "an account with this email already exists");
        return json(201, this.addUser(email, password, full_name));
      }

      case "POST /api/v1/auth/login": {
        const { email = "", password, refresh_in = "body" } = await body();
        if (this.users.get(email)?.password !== password) {
          return problem(401, "InvalidCredentials", "wrong email or password");
        }
        const pair = this.issueTokens(email);
        if (refresh_in !== "cookie") return json(200, pair);
        this.cookie = pair.refresh_token;
        return json(200, { ...pair, refresh_token: null });
      }

      case "POST /api/v1/auth/refresh": {
        if (this.refreshFailsWith !== null) return problem(this.refreshFailsWith, "ServiceUnavailable", "try later");
        const { refresh_token } = await body();
        const byCookie = refresh_token === undefined;
        if (byCookie && request.headers.get("X-Requested-With") === null) {
          return problem(403, "Forbidden", "a refresh by cookie needs the X-Requested-With header");
        }
        const record = this.refreshTokens.get((byCookie ? this.cookie : refresh_token) ?? "");
        if (record === undefined || record.revoked) {
          return problem(401, "Unauthorized", "invalid refresh token; log in again");
        }
        if (record.used) {
          // As the real server does: a rotated-out token came back, so end the login.
          this.#revokeFamily(record.family);
          return problem(401, "RefreshTokenReused", "refresh token reuse detected; all sessions of this login were ended");
        }
        record.used = true;
        const pair = this.issueTokens(record.email, record.family);
        if (!byCookie) return json(200, pair);
        this.cookie = pair.refresh_token;
        return json(200, { ...pair, refresh_token: null });
      }

      case "POST /api/v1/auth/logout": {
        const { refresh_token = "" } = await body();
        const record = this.refreshTokens.get(refresh_token);
        if (record !== undefined) this.#revokeFamily(record.family);
        // As the server does: the bearer (expired or not) names the login to end.
        const bearer = (request.headers.get("Authorization") ?? "").replace(/^Bearer /, "");
        const family = this.accessFamilies.get(bearer);
        if (family !== undefined) this.#revokeFamily(family);
        this.cookie = null;
        return new Response(null, { status: 204 });
      }
    }

    const email = this.#bearer(request);
    if (email === null) return problem(401, "Unauthorized", "not authenticated: send 'Authorization: Bearer <token>'");
    switch (route) {
      case "GET /api/v1/auth/me":
        return json(200, this.users.get(email)?.user);
      case "GET /api/v1/projects":
        return json(200, { items: this.projects, total: this.projects.length, limit: 100, offset: 0 });
    }
    return problem(404, "NotFound", "Not Found");
  }

  #bearer(request: Request): string | null {
    if (this.refuseAllBearers) return null;
    const header = request.headers.get("Authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    return this.accessTokens.get(token) ?? null;
  }
}
