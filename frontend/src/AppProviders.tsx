import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ApiError, ApiProvider } from "./api";
import type { Api } from "./api";
import { AuthProvider } from "./auth";
import { I18nProvider } from "./i18n";
import type { Locale } from "./i18n";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will not change by asking again; a network blip might.
        retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
        staleTime: 30_000,
      },
    },
  });
}

export function AppProviders({
  api,
  queryClient,
  locale,
  children,
}: {
  api: Api;
  queryClient: QueryClient;
  locale?: Locale | undefined;
  children: ReactNode;
}) {
  return (
    <QueryClientProvider client={queryClient}>
      <I18nProvider initialLocale={locale}>
        <ApiProvider api={api}>
          <AuthProvider>{children}</AuthProvider>
        </ApiProvider>
      </I18nProvider>
    </QueryClientProvider>
  );
}
