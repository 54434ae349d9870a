export { createApi } from "./client";
export type { Api } from "./client";
export { ApiError, fieldName, NetworkError, toApiError } from "./errors";
export { REFRESH_LOCK, REFRESH_TOKEN_KEY, Session } from "./session";
export type { Locks, RefreshOutcome, SessionEvent } from "./session";
export type * from "./types";
export { ApiProvider, useApi } from "./ApiProvider";
