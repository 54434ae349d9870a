import { QueryClient } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { createApi, Session } from "../../api";
import { AppProviders } from "../../AppProviders";
import type { Locale } from "../../i18n";
import fixture from "./fixtures/groceryDelivery.json";
import type {
  AISummary,
  AnalysisStatus,
  ConceptGraph,
  FocusGroupDetail,
  SentimentReport,
  ThemeReport,
  Transcript,
} from "./api";

// Test support: data captured from a real `sight serve` (offline engine, an
// English grocery-delivery group of 12 personas × 3 questions), and a router
// that answers the API paths a test names.

export const GROCERY = fixture as unknown as {
  group: FocusGroupDetail;
  status: AnalysisStatus;
  summary: AISummary;
  sentiment: SentimentReport;
  themes: ThemeReport;
  graph: ConceptGraph;
  transcript: Transcript;
};

export type Handler = (request: Request) => Response | Promise<Response>;

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** A response whose body is these SSE events, all at once. */
export function sse(events: { event: string; data: unknown; id?: number }[]): Response {
  const text = events
    .map((e) => `${e.id !== undefined ? `id: ${e.id}\n` : ""}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`)
    .join("");
  return new Response(text, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

export function routeTable(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; body: string | null }[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const body = request.method === "GET" ? null : await request.clone().text();
    calls.push({ method: request.method, path: url.pathname + url.search, body });
    const handler = routes[`${request.method} ${url.pathname}`];
    if (handler === undefined) return json({ error: "NotFound", detail: `no route ${url.pathname}` }, 404);
    return handler(request);
  };
  return { fetch, calls };
}

export function renderAt(
  path: string,
  pattern: string,
  element: ReactNode,
  fetch: (request: Request) => Promise<Response>,
  locale: Locale = "en",
) {
  const api = createApi(new Session({ baseUrl: "http://sight.test", fetch, storage: window.localStorage }));
  const router = createMemoryRouter([{ path: pattern, element }, { path: "*", element: <p>elsewhere</p> }], {
    initialEntries: [path],
  });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return {
    router,
    ...render(
      <AppProviders api={api} queryClient={queryClient} locale={locale}>
        <RouterProvider router={router} />
      </AppProviders>,
    ),
  };
}
