import { Link, NavLink, Outlet } from "react-router";
import { useAuth } from "../auth";
import { useI18n } from "../i18n";
import { LanguageSwitch } from "./LanguageSwitch";
import { OfflineBanner } from "./OfflineBanner";
import { NotificationBell } from "../features/notifications/NotificationBell";

export function Layout() {
  const { t } = useI18n();
  const { state, signOut } = useAuth();

  return (
    <>
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          {t("app.name")}
        </Link>
        <span className="tagline">{t("app.tagline")}</span>
        {state.status === "authenticated" && (
          <nav className="nav">
            <NavLink to="/projects">{t("nav.projects")}</NavLink>
            <NavLink to="/teams">{t("teams.nav")}</NavLink>
            <NavLink to="/settings">{t("settings.nav")}</NavLink>
          </nav>
        )}
        <div className="topbar-actions">
          <LanguageSwitch />
          {state.status === "authenticated" && (
            <>
              <NotificationBell />
              <span className="muted">{t("nav.signedInAs", { name: state.user.full_name })}</span>
              <button type="button" className="secondary" onClick={() => void signOut()}>
                {t("nav.signOut")}
              </button>
            </>
          )}
        </div>
      </header>
      {state.status === "authenticated" && <OfflineBanner />}
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}
