import type { RouteObject } from "react-router";
import { RequireAuth } from "./auth";
import { Layout } from "./components/Layout";
import { HomePage } from "./pages/HomePage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { PersonaPage } from "./features/personas/PersonaPage";
import { ProjectPage } from "./features/projects/ProjectPage";
import { ProjectsPage } from "./features/projects/ProjectsPage";
import { KnowledgePage } from "./features/knowledge/KnowledgePage";
import { SettingsPage } from "./features/settings/SettingsPage";
import { TeamsPage } from "./features/teams/TeamsPage";
import { RegisterPage } from "./pages/RegisterPage";
import { SurveyPage } from "./features/surveys/SurveyPage";
import { AnalysisPage } from "./features/focus_groups/AnalysisPage";
import { RoomPage } from "./features/focus_groups/RoomPage";
import { FidelityRunPage } from "./features/fidelity/FidelityRunPage";

// The server answers every unknown path with index.html, so each of these URLs can
// be bookmarked and reloaded.
export const routes: RouteObject[] = [
  {
    path: "/",
    element: <Layout />,
    children: [
      { path: "login", element: <LoginPage /> },
      { path: "register", element: <RegisterPage /> },
      {
        element: <RequireAuth />,
        children: [
          { index: true, element: <HomePage /> },
          { path: "projects", element: <ProjectsPage /> },
          { path: "projects/:projectId", element: <ProjectPage /> },
          { path: "projects/:projectId/knowledge", element: <KnowledgePage /> },
          { path: "settings", element: <SettingsPage /> },
          { path: "account", element: <SettingsPage /> },
          { path: "teams", element: <TeamsPage /> },
          { path: "personas/:personaId", element: <PersonaPage /> },
          { path: "surveys/:surveyId", element: <SurveyPage /> },
          { path: "focus-groups/:focusGroupId", element: <RoomPage /> },
          { path: "focus-groups/:focusGroupId/analysis", element: <AnalysisPage /> },
          { path: "fidelity/:runId", element: <FidelityRunPage /> },
        ],
      },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
];
