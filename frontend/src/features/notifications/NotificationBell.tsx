import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { useI18n } from "../../i18n";
import { NOTIFICATIONS_KEY, useNotifications, useNotificationsApi } from "./api";
import type { NotificationList } from "./api";
import { describe } from "./text";
import "./notifications.css";

/** The bell in the header: unread count, and a live list to read, act on and clear. */
export function NotificationBell() {
  const { t, formatTime, formatDate, locale } = useI18n();
  const notifications = useNotifications();
  const notificationsApi = useNotificationsApi();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const money = (usd: number) => new Intl.NumberFormat(locale, { style: "currency", currency: "USD" }).format(usd);

  const mark = useMutation({
    mutationFn: ({ id, what }: { id: string; what: "read" | "done" }) => notificationsApi.mark(id, what),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }),
  });
  const readAll = useMutation({
    mutationFn: notificationsApi.readAll,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }),
  });

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === "Escape" : !panel.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  const list: NotificationList | undefined = notifications.data;
  const unread = list?.unread ?? 0;
  return (
    <div className="notif" ref={panel}>
      <button
        type="button"
        className="secondary notif-bell"
        aria-expanded={open}
        aria-haspopup="dialog"
        aria-label={unread > 0 ? t("notif.bell.unread", { count: unread }) : t("notif.bell")}
        data-testid="notification-bell"
        onClick={() => setOpen((value) => !value)}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20">
          <path
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
            fill="currentColor"
          />
        </svg>
        {unread > 0 && (
          <span className="notif-count" data-testid="notification-count">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      {open && (
        <div className="notif-panel" role="dialog" aria-label={t("notif.title")}>
          <header className="notif-head">
            <strong>{t("notif.title")}</strong>
            <span className={`notif-live ${notifications.live ? "on" : ""}`}>{t(notifications.live ? "notif.live" : "notif.offline")}</span>
            {unread > 0 && (
              <button type="button" className="link-button" onClick={() => readAll.mutate()}>
                {t("notif.readAll")}
              </button>
            )}
          </header>
          {list !== undefined && list.items.length === 0 && <p className="muted notif-empty">{t("notif.empty")}</p>}
          <ul className="notif-list">
            {list?.items.map((n) => {
              const words = describe(n, t, money);
              return (
                <li key={n.id} className={`notif-item ${n.is_read ? "" : "unread"} prio-${n.priority}`}>
                  <div className="notif-text">
                    <span className="notif-title">{words.title}</span>
                    {words.message !== "" && <span className="notif-message">{words.message}</span>}
                    <span className="muted small">
                      {formatDate(n.created_at)} {formatTime(n.created_at)}
                    </span>
                  </div>
                  <div className="notif-actions">
                    {n.action_url !== null && n.action_url.startsWith("/") && (
                      <Link
                        to={n.action_url}
                        onClick={() => {
                          setOpen(false);
                          if (!n.is_read) mark.mutate({ id: n.id, what: "read" });
                        }}
                      >
                        {t("notif.open")}
                      </Link>
                    )}
                    {!n.is_read && (
                      <button type="button" className="link-button" onClick={() => mark.mutate({ id: n.id, what: "read" })}>
                        {t("notif.read")}
                      </button>
                    )}
                    <button type="button" className="link-button" onClick={() => mark.mutate({ id: n.id, what: "done" })}>
                      {t("notif.done")}
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </div>
  );
}
