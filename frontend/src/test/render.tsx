import { QueryClient } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { createApi, Session } from "../api";
import { AppProviders } from "../AppProviders";
import type { Locale } from "../i18n";
import { routes } from "../routes";
import { FakeServer } from "./fakeServer";

export const BASE_URL = "http://sight.test";

export function createTestApi(server: FakeServer) {
  return createApi(new Session({ baseUrl: BASE_URL, fetch: server.handle, storage: window.localStorage }));
}

function testQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
}

interface Options {
  server?: FakeServer;
  /** Omit to let the app pick the language itself (stored choice, then browser). */
  locale?: Locale;
}

/** Renders one component with everything the app provides around it. */
export function renderWithProviders(ui: ReactNode, { server = new FakeServer(), locale = "en" }: Options = {}) {
  const api = createTestApi(server);
  const result = render(
    <AppProviders api={api} queryClient={testQueryClient()} locale={locale}>
      {ui}
    </AppProviders>,
  );
  return { ...result, api, server };
}

/** Renders the whole app at `path`, as a browser opening that URL would. */
export function renderApp(path: string, { server = new FakeServer(), locale }: Options = {}) {
  const api = createTestApi(server);
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const result = render(
    <AppProviders api={api} queryClient={testQueryClient()} locale={locale}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return { ...result, api, server, router };
}
