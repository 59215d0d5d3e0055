import { Outlet, ScrollRestoration, createBrowserRouter } from "react-router";
import { OrgLayout } from "./app/OrgLayout";
import { CreateOrg } from "./pages/CreateOrg";
import { Dashboard } from "./pages/Dashboard";
import { Home } from "./pages/Home";
import { NotFound } from "./pages/NotFound";
import { SignIn } from "./pages/SignIn";

// The dashboard is the first screen; the others load when first opened.
const page = (load: () => Promise<{ Component: React.ComponentType }>) => ({ lazy: load });

/** Every page: a new page starts at its top, and Back returns to where the previous one was scrolled. */
function Root() {
  return <><ScrollRestoration /><Outlet /></>;
}

export const router = createBrowserRouter([{ element: <Root />, children: [
  { path: "/", element: <Home /> },
  { path: "/signin", element: <SignIn /> },
  { path: "/orgs/new", element: <CreateOrg /> },
  { path: "/account", ...page(() => import("./pages/Account").then((m) => ({ Component: m.Account }))) },
  { path: "/invitations/:token", ...page(() => import("./pages/AcceptInvitation").then((m) => ({ Component: m.AcceptInvitation }))) },
  {
    path: "/orgs/:orgId",
    element: <OrgLayout />,
    children: [
      { index: true, element: <Dashboard /> },
      { path: "deploy", ...page(() => import("./pages/Deploy").then((m) => ({ Component: m.Deploy }))) },
      { path: "deployments/:id", ...page(() => import("./pages/DeploymentDetail").then((m) => ({ Component: m.DeploymentDetail }))) },
      { path: "tasks", ...page(() => import("./pages/Tasks").then((m) => ({ Component: m.Tasks }))) },
      { path: "templates", ...page(() => import("./pages/Templates").then((m) => ({ Component: m.Templates }))) },
      { path: "templates/new", ...page(() => import("./pages/TemplateEditor").then((m) => ({ Component: m.TemplateEditor }))) },
      { path: "templates/:templateId", ...page(() => import("./pages/TemplateEditor").then((m) => ({ Component: m.TemplateEditor }))) },
      { path: "teams", ...page(() => import("./pages/Teams").then((m) => ({ Component: m.Teams }))) },
      { path: "usage", ...page(() => import("./pages/Usage").then((m) => ({ Component: m.Usage }))) },
      { path: "billing", ...page(() => import("./pages/Billing").then((m) => ({ Component: m.Billing }))) },
      { path: "audit", ...page(() => import("./pages/Audit").then((m) => ({ Component: m.Audit }))) },
      { path: "secrets", ...page(() => import("./pages/Secrets").then((m) => ({ Component: m.Secrets }))) },
      { path: "*", element: <NotFound /> },
    ],
  },
  { path: "*", element: <NotFound /> },
] }]);
