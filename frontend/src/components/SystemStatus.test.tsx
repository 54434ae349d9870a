import { screen, within } from "@testing-library/react";
import { FakeServer } from "../test/fakeServer";
import { renderWithProviders } from "../test/render";
import { SystemStatus } from "./SystemStatus";

function serverReporting(status: number, body: unknown) {
  const server = new FakeServer();
  server.startup = { status, body };
  return server;
}

const MIXED = {
  ready: false,
  dependencies: {
    neo4j: { status: "failed", latency_ms: null, detail: "Connection refused" },
    redis: { status: "not_configured", latency_ms: null, detail: null },
    postgres: { status: "ok", latency_ms: 1.25, detail: null },
  },
};

describe("SystemStatus", () => {
  it("shows each dependency's state, latency and detail", async () => {
    renderWithProviders(<SystemStatus refetchInterval={false} />, { server: serverReporting(503, MIXED) });

    const postgres = await screen.findByTestId("dependency-postgres");
    expect(within(postgres).getByText("PostgreSQL")).toBeInTheDocument();
    expect(within(postgres).getByText("OK")).toBeInTheDocument();
    expect(within(postgres).getByText("1.3 ms")).toBeInTheDocument();

    const redis = screen.getByTestId("dependency-redis");
    expect(within(redis).getByText("Not configured")).toBeInTheDocument();
    expect(within(redis).queryByText(/ms$/)).not.toBeInTheDocument();

    const neo4j = screen.getByTestId("dependency-neo4j");
    expect(within(neo4j).getByText("Failed")).toBeInTheDocument();
    expect(within(neo4j).getByText("Connection refused")).toBeInTheDocument();

    // A 503 is the server saying "not ready", not an error to hide the report behind.
    expect(screen.getByText("Not ready")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("lists the known dependencies first, then any the server adds", async () => {
    const body = { ready: true, dependencies: { llm: { status: "ok", latency_ms: 3, detail: null }, ...MIXED.dependencies } };
    renderWithProviders(<SystemStatus refetchInterval={false} />, { server: serverReporting(200, body) });

    await screen.findByText("Ready");
    const rows = screen.getAllByRole("listitem").map((row) => row.getAttribute("data-testid"));
    expect(rows).toEqual(["dependency-postgres", "dependency-redis", "dependency-neo4j", "dependency-llm"]);
  });

  it("speaks Polish when asked to", async () => {
    renderWithProviders(<SystemStatus refetchInterval={false} />, { server: serverReporting(503, MIXED), locale: "pl" });

    expect(await screen.findByText("Stan systemu")).toBeInTheDocument();
    expect(await screen.findByText("Działa")).toBeInTheDocument();
    expect(screen.getByText("Nieskonfigurowany")).toBeInTheDocument();
    expect(screen.getByText("Błąd")).toBeInTheDocument();
    expect(screen.getByText("Niegotowy")).toBeInTheDocument();
    expect(screen.getByText("1,3 ms")).toBeInTheDocument();
  });

  it("shows an error with a retry when the server cannot be reached", async () => {
    const server = new FakeServer();
    server.handle = () => Promise.reject(new TypeError("fetch failed"));
    renderWithProviders(<SystemStatus refetchInterval={false} />, { server });

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Cannot reach the server");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
