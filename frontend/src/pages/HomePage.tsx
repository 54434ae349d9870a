import { Link } from "react-router";
import { useUser } from "../auth";
import { ProjectList } from "../components/ProjectList";
import { SystemStatus } from "../components/SystemStatus";
import { DashboardPage } from "../features/dashboard/DashboardPage";
import { useI18n } from "../i18n";

export function HomePage() {
  const { t } = useI18n();
  const user = useUser();
  return (
    <div className="home">
      <h1>{t("home.greeting", { name: user.full_name })}</h1>
      <DashboardPage />
      <div className="columns">
        <ProjectList
          footer={
            <footer className="panel-footer">
              <Link to="/projects">{t("home.projects.all")}</Link>
              <Link to="/projects">{t("home.projects.new")}</Link>
            </footer>
          }
        />
        <SystemStatus />
      </div>
    </div>
  );
}
