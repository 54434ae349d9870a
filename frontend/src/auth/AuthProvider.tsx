import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import type { ReactNode } from "react";
import { useApi } from "../api";
import type { User } from "../api";

export const ME_QUERY_KEY = ["auth", "me"] as const;

export type AuthState =
  | { status: "anonymous"; sessionExpired: boolean }
  | { status: "loading" }
  | { status: "authenticated"; user: User }
  | { status: "error"; error: Error; retry: () => void };

interface AuthValue {
  state: AuthState;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const { session } = api;
  const queryClient = useQueryClient();
  const signedIn = useSyncExternalStore(session.subscribe, () => session.isSignedIn);
  const [sessionExpired, setSessionExpired] = useState(false);

  useEffect(
    () =>
      session.subscribe((event) => {
        if (event === "expired") setSessionExpired(true);
        if (!session.isSignedIn) {
          // Nothing fetched for the previous user may be shown to the next one.
          queryClient.removeQueries();
        } else {
          setSessionExpired(false);
        }
      }),
    [session, queryClient],
  );

  const me = useQuery({
    queryKey: ME_QUERY_KEY,
    queryFn: api.me,
    enabled: signedIn,
    retry: false,
    staleTime: 5 * 60_000,
  });

  const signOut = useCallback(async () => {
    setSessionExpired(false);
    await api.logout();
  }, [api]);

  const { refetch } = me;
  const state = useMemo<AuthState>(() => {
    if (!signedIn) return { status: "anonymous", sessionExpired };
    if (me.data !== undefined) return { status: "authenticated", user: me.data };
    if (me.error !== null) return { status: "error", error: me.error, retry: () => void refetch() };
    return { status: "loading" };
  }, [signedIn, sessionExpired, me.data, me.error, refetch]);

  const value = useMemo(() => ({ state, signOut }), [state, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (value === null) throw new Error("useAuth must be used inside <AuthProvider>");
  return value;
}

/** For pages behind <RequireAuth>, where a user is guaranteed. */
export function useUser(): User {
  const { state } = useAuth();
  if (state.status !== "authenticated") throw new Error("useUser needs a signed-in user");
  return state.user;
}
