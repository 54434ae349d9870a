import { ApiError, createApi, Session, SIGNED_IN_KEY } from ".";
import type { Locks, SessionEvent } from ".";
import { FakeServer } from "../test/fakeServer";
import { BASE_URL } from "../test/render";

const EMAIL = "ada@example.com";

/** Web Locks as same-origin tabs see them: one holder at a time per name. */
function memoryLocks(): Locks {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    request<T>(_name: string, callback: () => Promise<T>): Promise<T> {
      const run = tail.then(callback);
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

function setup() {
  const server = new FakeServer();
  server.addUser(EMAIL, "correct horse", "Ada Lovelace");
  const session = new Session({ baseUrl: BASE_URL, fetch: server.handle, storage: window.localStorage, locks: null });
  const events: SessionEvent[] = [];
  session.subscribe((event) => events.push(event));
  return { server, session, api: createApi(session), events };
}

async function signedIn() {
  const context = setup();
  await context.api.login({ email: EMAIL, password: "correct horse" });
  return context;
}

describe("Session", () => {
  it("keeps the access token in memory and the refresh token out of scripts' reach", async () => {
    const { server, session } = await signedIn();
    expect(session.accessToken).toMatch(/^access-/);
    // The refresh token went to the browser's HttpOnly cookie, not to this code.
    expect(server.cookie).toMatch(/^refresh-/);
    const stored = JSON.stringify({ ...window.localStorage });
    expect(stored).not.toContain(session.accessToken);
    expect(stored).not.toContain(server.cookie);
    expect(window.localStorage.getItem(SIGNED_IN_KEY)).toBe("1");
  });

  it("drops a refresh token an earlier version left in storage", () => {
    window.localStorage.setItem("sight.refresh_token", "refresh-from-last-year");
    new Session({ baseUrl: BASE_URL, fetch: new FakeServer().handle, storage: window.localStorage, locks: null });
    expect(window.localStorage.getItem("sight.refresh_token")).toBeNull();
  });

  it("renews an expired access token once and retries the request", async () => {
    const { server, api } = await signedIn();
    const oldRefresh = server.cookie;
    server.expireAccessTokens();

    await expect(api.me()).resolves.toMatchObject({ full_name: "Ada Lovelace" });

    expect(server.count("/api/v1/auth/refresh")).toBe(1);
    expect(server.calls.filter((c) => c.path === "/api/v1/auth/me").map((c) => c.status)).toEqual([401, 200]);
    // Rotation: the new refresh token is stored and the spent one no longer works.
    expect(server.cookie).not.toBe(oldRefresh);
    expect(server.isUsable(oldRefresh)).toBe(false);
    expect(server.isUsable(server.cookie)).toBe(true);
  });

  it("shares one refresh between requests that fail at the same time", async () => {
    const { server, api } = await signedIn();
    server.expireAccessTokens();

    const results = await Promise.all([api.me(), api.me(), api.listProjects()]);

    expect(results[0].email).toBe(EMAIL);
    expect(results[2].items).toEqual([]);
    expect(server.count("/api/v1/auth/refresh")).toBe(1);
  });

  it("does not refresh twice when the retried request is refused again", async () => {
    const { server, api } = await signedIn();
    server.refuseAllBearers = true;

    await expect(api.me()).rejects.toMatchObject({ status: 401, kind: "Unauthorized" });

    expect(server.count("/api/v1/auth/refresh")).toBe(1);
    expect(server.count("/api/v1/auth/me")).toBe(2);
  });

  it("signs out and reports an expired session when the refresh token is refused", async () => {
    const { server, session, api, events } = await signedIn();
    server.expireAccessTokens();
    server.revokeAllRefreshTokens();

    await expect(api.me()).rejects.toBeInstanceOf(ApiError);

    expect(session.isSignedIn).toBe(false);
    expect(window.localStorage.getItem(SIGNED_IN_KEY)).toBeNull();
    expect(events.at(-1)).toBe("expired");
    expect(server.count("/api/v1/auth/me")).toBe(1);
  });

  it("keeps the tokens when the refresh endpoint is down", async () => {
    const { server, session, api } = await signedIn();
    server.expireAccessTokens();
    server.refreshFailsWith = 503;

    await expect(api.me()).rejects.toMatchObject({ status: 401 });

    expect(session.hasSession).toBe(true);
  });

  it("restores a session after a reload from the refresh cookie alone", async () => {
    const { server } = await signedIn();
    server.calls.length = 0;
    // A new page: nothing in memory, the cookie and the flag still there.
    const reloaded = createApi(
      new Session({ baseUrl: BASE_URL, fetch: server.handle, storage: window.localStorage, locks: null }),
    );

    await expect(reloaded.me()).resolves.toMatchObject({ email: EMAIL });

    expect(server.calls.map((c) => `${c.path} ${c.status}`)).toEqual([
      "/api/v1/auth/refresh 200",
      "/api/v1/auth/me 200",
    ]);
  });

  it("lets tabs sharing the cookie take turns, so none reuses a spent one", async () => {
    const { server } = await signedIn();
    // Same-origin tabs share one lock manager and one localStorage.
    const locks = memoryLocks();
    const tab = () => new Session({ baseUrl: BASE_URL, fetch: server.handle, storage: window.localStorage, locks });

    const outcomes = await Promise.all([tab().refresh(), tab().refresh()]);

    expect(outcomes).toEqual(["refreshed", "refreshed"]);
    expect(server.calls.filter((c) => c.path === "/api/v1/auth/refresh").map((c) => c.status)).toEqual([200, 200]);
    expect(server.isUsable(server.cookie)).toBe(true);
  });

  it("does not try to refresh when the login itself is refused", async () => {
    const { server, api } = setup();

    await expect(api.login({ email: EMAIL, password: "wrong" })).rejects.toMatchObject({
      status: 401,
      kind: "InvalidCredentials",
      detail: "wrong email or password",
    });
    expect(server.count("/api/v1/auth/refresh")).toBe(0);
  });

  it("ends the login on the server and drops the cookie on logout", async () => {
    const { server, session, api } = await signedIn();
    const token = server.cookie;

    await api.logout();

    expect(server.isUsable(token)).toBe(false);
    expect(server.cookie).toBeNull();
    expect(session.isSignedIn).toBe(false);
  });

  it("can still end the login after the access token has expired", async () => {
    const { server, api } = await signedIn();
    const token = server.cookie;
    server.expireAccessTokens();

    await api.logout();

    expect(server.isUsable(token)).toBe(false);
  });

  it("sends no bearer token to public endpoints", async () => {
    const { server, api } = await signedIn();

    await api.startup();

    expect(server.calls.at(-1)).toMatchObject({ path: "/startup", authorization: null });
  });
});
