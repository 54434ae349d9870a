import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { json, renderAt, routeTable, sse } from "../focus_groups/testing";
import type { Notification, NotificationList } from "./api";
import { applyEvent } from "./api";
import { NotificationBell } from "./NotificationBell";

const item = (fields: Partial<Notification>): Notification => ({
  id: "n1",
  notification_type: "job_succeeded",
  priority: "medium",
  title: "Persona generation finished in Oat drinks",
  message: "The results are ready.",
  time_ago: "just now",
  is_read: false,
  is_done: false,
  action_label: "Open the personas",
  action_url: "/projects/p1",
  project_id: "p1",
  data: { job_kind: "personas.generate", project_name: "Oat drinks" },
  created_at: "2026-12-01T12:00:00Z",
  ...fields,
});

const LIST: NotificationList = { items: [item({})], total: 1, unread: 1, limit: 20, offset: 0 };

describe("applyEvent", () => {
  it("puts a new notification first and removes one marked done", () => {
    const shared = item({ id: "n2", notification_type: "project_shared", data: { project_name: "Tea" } });
    const added = applyEvent(LIST, { type: "notification", notification: shared, unread: 2 });
    expect(added?.items.map((n) => n.id)).toEqual(["n2", "n1"]);
    expect(added?.unread).toBe(2);
    const done = applyEvent(added, { type: "notification_state", id: "n1", is_read: true, is_done: true, unread: 1 });
    expect(done?.items.map((n) => n.id)).toEqual(["n2"]);
    expect(done?.total).toBe(1);
  });
});

describe("NotificationBell", () => {
  it("counts unread, adds what the stream sends and words it in the user's language", async () => {
    const budget = item({
      id: "n3",
      notification_type: "budget_warning",
      priority: "medium",
      action_url: "/settings",
      data: { threshold: 0.8, spent_usd: 8.5, budget_usd: 10 },
    });
    const { fetch, calls } = routeTable({
      "GET /api/v1/notifications": () => json(LIST),
      "GET /api/v1/notifications/events": () => sse([{ id: 7, event: "notification", data: { type: "notification", notification: budget, unread: 2 } }]),
      "POST /api/v1/notifications/n1/done": () => json({ ...LIST.items[0], is_read: true, is_done: true }),
    });
    renderAt("/", "/", <NotificationBell />, fetch, "pl");
    await waitFor(() => expect(screen.getByTestId("notification-count")).toHaveTextContent("2"));
    await userEvent.click(screen.getByTestId("notification-bell"));
    expect(screen.getByText("Wydatki przekroczyły 80% miesięcznego budżetu")).toBeInTheDocument();
    expect(screen.getByText("Generowanie person: zakończono w projekcie Oat drinks")).toBeInTheDocument();
    const done = screen.getAllByRole("button", { name: "Załatwione" });
    await userEvent.click(done[done.length - 1] as HTMLElement);
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/notifications/n1/done")).toBe(true));
  });
});
