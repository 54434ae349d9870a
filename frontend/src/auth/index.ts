export { AuthProvider, ME_QUERY_KEY, useAuth, useUser } from "./AuthProvider";
export type { AuthState } from "./AuthProvider";
export { RequireAuth, safeNext } from "./RequireAuth";
