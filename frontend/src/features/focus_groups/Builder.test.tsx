import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakeProject } from "../../test/fakeServer";
import { Builder, filterPersonas, imageProblem } from "./Builder";
import type { FocusGroupCreate } from "./api";
import { json, renderAt, routeTable } from "./testing";

const PROJECT = fakeProject({ id: "p1", name: "Coffee" });

function persona(id: string, name: string, segment: string, gender: string, age_group: string) {
  return {
    id, full_name: name, segment, gender, age_group, age: 30, project_id: "p1", generated_by: "offline-engine",
  };
}
const PERSONAS = [
  persona("a", "Anna", "25-34/female/higher", "female", "25-34"),
  persona("b", "Basia", "25-34/female/higher", "female", "25-34"),
  persona("c", "Czesław", "65+/male/lower", "male", "65+"),
];

describe("the focus-group builder", () => {
  it("filters personas by segment, gender and age", () => {
    const all = PERSONAS as never[];
    expect(filterPersonas(all, { segment: "", gender: "", age_group: "" })).toHaveLength(3);
    expect(filterPersonas(all, { segment: "25-34/female/higher", gender: "", age_group: "" })).toHaveLength(2);
    expect(filterPersonas(all, { segment: "", gender: "male", age_group: "65+" })).toHaveLength(1);
  });

  it("creates a group from a segment, shows the cost, then runs it", async () => {
    let created: FocusGroupCreate | null = null;
    const server = routeTable({
      "GET /api/v1/projects/p1/personas": () => json({ items: PERSONAS, total: 3, limit: 500, offset: 0 }),
      "POST /api/v1/projects/p1/focus-groups": async (request) => {
        created = (await request.json()) as FocusGroupCreate;
        return json({ id: "g1", name: created.name, project_id: "p1", status: "pending" }, 201);
      },
      "GET /api/v1/focus-groups/g1/estimate": () => json({ calls: 6, usd: 0.0123 }),
      "POST /api/v1/focus-groups/g1/run": () => json({ focus_group_id: "g1", job_id: "j1", status: "queued" }, 202),
    });
    const { router } = renderAt("/p", "/p", <Builder project={PROJECT} onClose={() => undefined} />, server.fetch);

    await userEvent.type(screen.getByLabelText("Name"), "Morning coffee");
    await userEvent.type(screen.getByLabelText("Question 1"), "What do you drink in the morning?");
    await userEvent.click(screen.getByRole("button", { name: "Add a question" }));
    await userEvent.type(screen.getByLabelText("Question 2"), "Would you pay 49 zł a month?");
    await userEvent.type(screen.getByLabelText("Content"), "Two bags of coffee a month.");
    await userEvent.click(screen.getByLabelText(/Moderated discussion/));

    const create = screen.getByRole("button", { name: "Create focus group" });
    await screen.findByText("Anna");
    expect(create).toBeDisabled(); // nobody chosen yet
    await userEvent.selectOptions(screen.getByLabelText("Segment"), "25-34/female/higher");
    expect(screen.queryByText("Czesław")).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Select all 2 shown" }));
    expect(screen.getByText("Participants: 2 selected")).toBeInTheDocument();
    await userEvent.click(create);

    expect(await screen.findByTestId("fg-estimate")).toHaveTextContent("6 model calls");
    expect(created).toMatchObject({
      name: "Morning coffee",
      persona_ids: ["a", "b"],
      mode: "discussion",
      questions: [{ text: "What do you drink in the morning?" }, { text: "Would you pay 49 zł a month?" }],
      stimulus: { kind: "concept", content: "Two bags of coffee a month." },
    });
    await userEvent.click(within(screen.getByRole("status")).getByRole("button", { name: "Run now" }));
    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/focus-groups/g1"));
  }, 30_000); // typing a whole form takes a while in happy-dom

  it("names a wrong picture before uploading it", () => {
    expect(imageProblem({ type: "image/png", size: 1000 })).toBeNull();
    expect(imageProblem({ type: "image/bmp", size: 1000 })).toBe("type");
    expect(imageProblem({ type: "image/jpeg", size: 6 * 1024 * 1024 })).toBe("size");
  });

  it("sends a chosen picture with its description", async () => {
    let created: FocusGroupCreate | null = null;
    const server = routeTable({
      "GET /api/v1/projects/p1/personas": () => json({ items: PERSONAS, total: 3, limit: 500, offset: 0 }),
      "POST /api/v1/projects/p1/focus-groups": async (request) => {
        created = (await request.json()) as FocusGroupCreate;
        return json({ id: "g1", name: created.name, project_id: "p1", status: "pending" }, 201);
      },
      "GET /api/v1/focus-groups/g1/estimate": () => json({ calls: 2, usd: 0.01 }),
    });
    renderAt("/p", "/p", <Builder project={PROJECT} onClose={() => undefined} />, server.fetch);
    await userEvent.type(screen.getByLabelText("Name"), "Can");
    await userEvent.type(screen.getByLabelText("Question 1"), "What do you see?");
    await userEvent.selectOptions(screen.getByLabelText("Kind"), "image");
    await screen.findByText("Anna");
    await userEvent.click(screen.getByRole("button", { name: "Select all 3 shown" }));
    const create = screen.getByRole("button", { name: "Create focus group" });
    expect(create).toBeDisabled(); // no picture yet

    await userEvent.upload(screen.getByLabelText("Picture"), new File(["BM"], "x.bmp", { type: "image/bmp" }), {
      applyAccept: false,
    });
    expect(screen.getByRole("alert")).toHaveTextContent("not a PNG, JPEG, WebP or GIF");
    const png = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], "can.png", { type: "image/png" });
    await userEvent.upload(screen.getByLabelText("Picture"), png);
    expect(await screen.findByAltText("The chosen picture")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/What it shows/), "A red can with a big logo.");
    await userEvent.click(create);
    await screen.findByTestId("fg-estimate");
    expect(created).toMatchObject({
      stimulus: { kind: "image", content: "A red can with a big logo.", image_base64: "data:image/png;base64,iVBORw==" },
    });
  }, 30_000);
});
