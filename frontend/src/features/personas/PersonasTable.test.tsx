import { screen, within } from "@testing-library/react";
import type { PersonaPage } from "../../api";
import { json, renderAt, routeTable } from "../focus_groups/testing";
import { PersonasTable } from "./PersonasTable";

// The list returns summaries (issue 16): no profile, citations or validation.
const PAGE: PersonaPage = {
  items: [
    {
      id: "a1",
      project_id: "p1",
      full_name: "Anna Nowak",
      age: 31,
      age_group: "age_25_34",
      gender: "female",
      location: "mazowieckie",
      urban_rural: "urban",
      education: "tertiary",
      income_band: "pln_3500_4999",
      income: 4200,
      income_currency: "PLN",
      occupation: "księgowa",
      language: "pl",
      segment: "25-34/female",
      generated_by: "offline-engine",
      deleted_at: null,
      created_at: "2026-12-01T10:00:00Z",
    },
  ],
  total: 1,
  limit: 50,
  offset: 0,
};

describe("the personas table", () => {
  it("shows every column from a summary item and asks for summaries", async () => {
    const server = routeTable({
      "GET /api/v1/projects/p1/personas": () => json(PAGE),
      "GET /api/v1/projects/p1/personas/summary": () => json({ total: 1, distributions: {}, fit: null }),
    });
    renderAt("/p", "/p", <PersonasTable projectId="p1" country="pl" />, server.fetch);
    const row = (await screen.findByText("Anna Nowak")).closest("tr");
    expect(row).not.toBeNull();
    const cells = within(row as HTMLElement);
    expect(cells.getByText("31")).toBeInTheDocument();
    expect(cells.getByText("księgowa")).toBeInTheDocument();
    expect(row).toHaveTextContent(/4[,\s\u00a0\u202f]?200/);
    const list = server.calls.find((call) => call.path.startsWith("/api/v1/projects/p1/personas?"));
    expect(list?.path).not.toContain("view=full");
  });
});
