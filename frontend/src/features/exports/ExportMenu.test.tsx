import { fireEvent, screen, waitFor } from "@testing-library/react";
import { ExportMenu } from "./ExportMenu";
import { json, renderAt, routeTable } from "../focus_groups/testing";

const pdf = (name: string) =>
  new Response(new Blob(["%PDF-1.7"]), {
    status: 200,
    headers: { "Content-Type": "application/pdf", "Content-Disposition": `attachment; filename="${name}"` },
  });

beforeEach(() => {
  URL.createObjectURL = vi.fn(() => "blob:report");
  URL.revokeObjectURL = vi.fn();
});

describe("the export menu", () => {
  it("downloads a survey's spreadsheet at once", async () => {
    const server = routeTable({
      "GET /api/v1/export/surveys/s1/xlsx": () => pdf("Ankieta.xlsx"),
    });
    renderAt("/s", "/s", <ExportMenu kind="survey" id="s1" />, server.fetch, "pl");
    fireEvent.click(screen.getByText("Arkusz (XLSX)"));
    expect(await screen.findByText("Pobrano Ankieta.xlsx")).toBeInTheDocument();
    expect(server.calls.map((c) => c.path)).toEqual(["/api/v1/export/surveys/s1/xlsx"]);
  });

  it("builds a project report as a job with progress, then downloads it", async () => {
    let polls = 0;
    const server = routeTable({
      "POST /api/v1/projects/p1/exports": () => json({ job_id: "j1", format: "pdf" }, 202),
      "GET /api/v1/jobs/j1": () => {
        polls += 1;
        return polls < 2
          ? json({ id: "j1", status: "running", progress: 0.5, error: null, result: null })
          : json({
              id: "j1",
              status: "succeeded",
              progress: 1,
              error: null,
              result: { download_url: "/api/v1/exports/e1/download", filename: "Coffee.pdf" },
            });
      },
      "GET /api/v1/exports/e1/download": () => pdf("Coffee.pdf"),
    });
    renderAt("/p", "/p", <ExportMenu kind="project" id="p1" />, server.fetch);
    fireEvent.click(screen.getByLabelText(/Every persona's profile/));
    fireEvent.click(screen.getByText("PDF report"));
    expect(await screen.findByText("Building the report: 50 %", {}, { timeout: 4000 })).toBeInTheDocument();
    expect(await screen.findByText("Coffee.pdf downloaded", {}, { timeout: 4000 })).toBeInTheDocument();
    const started = server.calls.find((c) => c.method === "POST");
    expect(JSON.parse(started?.body ?? "{}")).toEqual({ format: "pdf", include_full_personas: true });
  });

  it("says why an export failed", async () => {
    const server = routeTable({});
    renderAt("/g", "/g", <ExportMenu kind="focusGroup" id="g1" />, server.fetch);
    fireEvent.click(screen.getByText("Data (JSON)"));
    await waitFor(() => expect(screen.getByText(/The export failed/)).toBeInTheDocument());
  });
});
