import { useQuery, useQueryClient } from "@tanstack/react-query";
import createClient from "openapi-fetch";
import { useEffect, useState } from "react";
import { followEventStream, toApiError, useApi } from "../../api";
import type { Api } from "../../api";
import { eventData } from "../../api/sse";
import type { components, paths } from "../../api/schema";

// Notifications (src/sight/notifications/endpoints.py): the list, read/done
// marks, preferences, and the user's live stream that keeps the list current.

export type Notification = components["schemas"]["NotificationRead"];
export type NotificationList = components["schemas"]["NotificationList"];
export type Preferences = components["schemas"]["NotificationPreferences"];
export type PreferencesUpdate = components["schemas"]["NotificationPreferencesUpdate"];
type Created = components["schemas"]["NotificationCreated"];
type StateChanged = components["schemas"]["NotificationStateChanged"];

export const NOTIFICATIONS_KEY = ["notifications", "list"] as const;
export const PREFERENCES_KEY = ["notifications", "preferences"] as const;
const PAGE = 20;

export function createNotificationsApi(api: Api) {
  const client = createClient<paths>({ baseUrl: api.session.baseUrl, fetch: api.session.fetch });
  return {
    async list(): Promise<NotificationList> {
      const { data, error, response } = await client.GET("/api/v1/notifications", {
        params: { query: { limit: PAGE, offset: 0 } },
      });
      if (response.ok && data !== undefined) return data;
      throw toApiError(response.status, error);
    },
    async mark(id: string, what: "read" | "done"): Promise<Notification> {
      const path = what === "read" ? "/api/v1/notifications/{notification_id}/read" : "/api/v1/notifications/{notification_id}/done";
      const { data, error, response } = await client.POST(path, { params: { path: { notification_id: id } } });
      if (response.ok && data !== undefined) return data;
      throw toApiError(response.status, error);
    },
    async readAll(): Promise<void> {
      const { error, response } = await client.POST("/api/v1/notifications/read-all");
      if (!response.ok) throw toApiError(response.status, error);
    },
    async preferences(): Promise<Preferences> {
      const { data, error, response } = await client.GET("/api/v1/notifications/preferences");
      if (response.ok && data !== undefined) return data;
      throw toApiError(response.status, error);
    },
    async savePreferences(body: PreferencesUpdate): Promise<Preferences> {
      const { data, error, response } = await client.PUT("/api/v1/notifications/preferences", { body });
      if (response.ok && data !== undefined) return data;
      throw toApiError(response.status, error);
    },
  };
}

export function useNotificationsApi() {
  return createNotificationsApi(useApi());
}

/** Applies one stream event to the cached list (newest first, counts kept). */
export function applyEvent(list: NotificationList | undefined, event: Created | StateChanged): NotificationList | undefined {
  if (list === undefined) return list;
  if (event.type === "notification") {
    const item = event.notification;
    if (list.items.some((n) => n.id === item.id)) return { ...list, unread: event.unread };
    return { ...list, items: [item, ...list.items].slice(0, PAGE), total: list.total + 1, unread: event.unread };
  }
  const items = event.is_done
    ? list.items.filter((n) => n.id !== event.id)
    : list.items.map((n) => (n.id === event.id ? { ...n, is_read: event.is_read, is_done: event.is_done } : n));
  return { ...list, items, total: list.total - (list.items.length - items.length), unread: event.unread };
}

/**
 * The user's notifications, kept current by the live stream (no polling): new
 * items and read/done marks from any tab arrive as events and update the cache.
 */
export function useNotifications() {
  const api = useApi();
  const notifications = createNotificationsApi(api);
  const queryClient = useQueryClient();
  const [live, setLive] = useState(false);
  const query = useQuery({ queryKey: NOTIFICATIONS_KEY, queryFn: notifications.list, staleTime: Infinity });

  useEffect(() => {
    const controller = new AbortController();
    const { session } = api;
    const follow = async () => {
      // The stream never ends by itself; after a drop it resumes with Last-Event-ID.
      while (!controller.signal.aborted) {
        try {
          await followEventStream({
            fetch: session.fetch,
            url: `${session.baseUrl}/api/v1/notifications/events`,
            terminal: new Set<string>(),
            signal: controller.signal,
            maxRetries: 1000,
            retryDelayMs: 1000,
            onEvent: (event) => {
              setLive(true);
              if (event.event !== "notification" && event.event !== "notification_state") return;
              const data = eventData<Created | StateChanged>(event);
              if (data === null) return;
              queryClient.setQueryData<NotificationList>(NOTIFICATIONS_KEY, (old) => applyEvent(old, data));
              if (data.type === "notification") void queryClient.invalidateQueries({ queryKey: ["dashboard"] });
            },
          });
        } catch {
          setLive(false);
          if (controller.signal.aborted) return;
          // Refused (e.g. signed out) or gave up: try again later, quietly.
          await new Promise((resolve) => setTimeout(resolve, 15_000));
          await queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
        }
      }
    };
    void follow();
    return () => controller.abort();
  }, [api, queryClient]);

  return { ...query, live };
}
