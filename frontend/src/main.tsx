import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter } from "react-router";
import { RouterProvider } from "react-router/dom";
import { createApi, Session } from "./api";
import { AppProviders, createQueryClient } from "./AppProviders";
import { routes } from "./routes";
import "./styles.css";

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");

const api = createApi(new Session({ baseUrl: window.location.origin }));
const router = createBrowserRouter(routes);

createRoot(root).render(
  <StrictMode>
    <AppProviders api={api} queryClient={createQueryClient()}>
      <RouterProvider router={router} />
    </AppProviders>
  </StrictMode>,
);
