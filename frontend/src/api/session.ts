import { NetworkError } from "./errors";
import type { TokenPair } from "./types";

/**
 * Says "this browser has a session" (the refresh cookie itself is HttpOnly, so no
 * script can see it): a reload knows to renew, and other tabs follow sign-outs.
 * Not a secret.
 */
export const SIGNED_IN_KEY = "sight.signed_in";
/** Where earlier versions kept the refresh token itself; removed on start. */
export const LEGACY_REFRESH_TOKEN_KEY = "sight.refresh_token";
/** The refresh route refuses a cookie refresh without it (CSRF: a cross-site form
 * cannot send a custom header, and a cross-origin script would need a preflight). */
export const CSRF_HEADER = "X-Requested-With";

export const REFRESH_LOCK = "sight.refresh";

type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;
type FetchLike = (request: Request) => Promise<Response>;
/** The part of the Web Locks API used here (`navigator.locks`). */
export interface Locks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** `changed`: signed in, out, or tokens rotated. `expired`: the server refused to renew. */
export type SessionEvent = "changed" | "expired";
export type RefreshOutcome = "refreshed" | "rejected" | "unavailable";

export interface SessionOptions {
  /** Absolute origin of the API, e.g. `window.location.origin`. */
  baseUrl: string;
  fetch?: FetchLike;
  storage?: KeyValueStorage;
  /** Serialises refreshes across tabs; `null` where the browser has no Web Locks. */
  locks?: Locks | null;
}

// Requests that must never carry a bearer token nor trigger a refresh: they either
// create the tokens or work without them.
const PUBLIC_PATHS = new Set([
  "/api/v1/auth/login",
  "/api/v1/auth/register",
  "/api/v1/auth/refresh",
  "/startup",
  "/health",
]);

function memoryStorage(): KeyValueStorage {
  const values = new Map<string, string>();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
    removeItem: (key) => void values.delete(key),
  };
}

function defaultStorage(): KeyValueStorage {
  try {
    return window.localStorage;
  } catch {
    return memoryStorage();
  }
}

function defaultLocks(): Locks | null {
  return typeof navigator !== "undefined" && "locks" in navigator ? navigator.locks : null;
}

function withBearer(request: Request, token: string | null): Request {
  if (token === null) return request;
  const headers = new Headers(request.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}

/**
 * Holds the tokens and signs requests.
 *
 * The access token lives only in memory. The refresh token is an HttpOnly,
 * SameSite=Strict cookie scoped to the refresh route: no script (an injected one
 * included) can read it, the browser sends it to that one route only, and every tab
 * shares it. localStorage holds just a "signed in" flag.
 *
 * Refresh tokens rotate: each works once, and the server takes a reused one for a
 * stolen copy and ends the whole login. So two refreshes must never run at once:
 * within a tab all callers share one in-flight refresh, and across tabs a Web Lock
 * makes them take turns, each sending the cookie the previous one received.
 */
export class Session {
  readonly baseUrl: string;
  readonly #fetch: FetchLike;
  readonly #storage: KeyValueStorage;
  readonly #locks: Locks | null;
  readonly #listeners = new Set<(event: SessionEvent) => void>();
  #accessToken: string | null = null;
  #refreshing: Promise<RefreshOutcome> | null = null;

  constructor(options: SessionOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, "");
    this.#fetch = options.fetch ?? ((request) => globalThis.fetch(request));
    this.#storage = options.storage ?? defaultStorage();
    this.#locks = options.locks === undefined ? defaultLocks() : options.locks;
    this.#storage.removeItem(LEGACY_REFRESH_TOKEN_KEY);
  }

  get accessToken(): string | null {
    return this.#accessToken;
  }

  /** Read from storage every time: another tab may have signed out. */
  get hasSession(): boolean {
    return this.#storage.getItem(SIGNED_IN_KEY) !== null;
  }

  get isSignedIn(): boolean {
    return this.#accessToken !== null || this.hasSession;
  }

  subscribe = (listener: (event: SessionEvent) => void): (() => void) => {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  };

  /** After a login or refresh; the refresh token came as a cookie, not in `pair`. */
  setTokens(pair: TokenPair): void {
    this.#accessToken = pair.access_token;
    this.#storage.setItem(SIGNED_IN_KEY, "1");
    this.#emit("changed");
  }

  clear(event: SessionEvent = "changed"): void {
    this.#accessToken = null;
    this.#storage.removeItem(SIGNED_IN_KEY);
    this.#emit(event);
  }

  /** Follows sign-outs in other tabs. Returns the function that stops listening. */
  followOtherTabs(target: Pick<Window, "addEventListener" | "removeEventListener">): () => void {
    const onStorage = (event: StorageEvent) => {
      if (event.key !== SIGNED_IN_KEY && event.key !== null) return;
      if (!this.hasSession && this.#accessToken !== null) {
        this.#accessToken = null;
        this.#emit("changed");
      } else if (this.hasSession && this.#accessToken === null) {
        this.#emit("changed"); // signed in elsewhere
      }
    };
    target.addEventListener("storage", onStorage);
    return () => target.removeEventListener("storage", onStorage);
  }

  /** Renews the access token with the refresh cookie; concurrent callers share one call. */
  refresh(): Promise<RefreshOutcome> {
    this.#refreshing ??= this.#refreshOnce().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** A `fetch` for openapi-fetch: signs the request and renews the session once on 401. */
  fetch = async (request: Request): Promise<Response> => {
    if (PUBLIC_PATHS.has(new URL(request.url).pathname)) return this.#send(request);

    // After a reload only the refresh cookie is left: renew first rather than send a
    // request that is bound to come back 401.
    if (this.#accessToken === null && this.hasSession) await this.refresh();

    const retry = request.clone();
    const used = this.#accessToken;
    const response = await this.#send(withBearer(request, used));
    if (response.status !== 401 || !this.hasSession) return response;

    // Another request may have renewed the tokens while this one was in flight.
    const renewed =
      (this.#accessToken !== null && this.#accessToken !== used) ||
      (await this.refresh()) === "refreshed";
    if (!renewed) return response;
    return this.#send(withBearer(retry, this.#accessToken));
  };

  #refreshOnce(): Promise<RefreshOutcome> {
    const exchange = () => this.#exchange();
    return this.#locks === null ? exchange() : this.#locks.request(REFRESH_LOCK, exchange);
  }

  async #exchange(): Promise<RefreshOutcome> {
    // Checked inside the lock: another tab may have signed out while we waited.
    if (!this.hasSession) {
      this.clear();
      return "rejected";
    }
    const response = await this.#send(
      new Request(`${this.baseUrl}/api/v1/auth/refresh`, {
        method: "POST",
        credentials: "same-origin",
        headers: { [CSRF_HEADER]: "sight" },
      }),
    );
    if (response.ok) {
      this.setTokens((await response.json()) as TokenPair);
      return "refreshed";
    }
    if (response.status >= 500 || response.status === 429) return "unavailable"; // keep the tokens
    this.clear("expired");
    return "rejected";
  }

  async #send(request: Request): Promise<Response> {
    try {
      return await this.#fetch(request);
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new NetworkError(error);
    }
  }

  #emit(event: SessionEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
