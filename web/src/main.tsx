import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, Link, Navigate, RouterProvider } from "react-router-dom";
import { LanguageProvider, useI18n } from "./i18n";
import Layout from "./Layout";
import { PAGES } from "./routes";
import { RequireLogin, SessionProvider, useSession } from "./session";
import "./styles.css";

function Home() {
  const { user, ready } = useSession();
  if (!ready) return null;
  return <Navigate to={user ? "/documents" : "/login"} replace />;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t("notFound")}</h1>
      <Link to="/">{t("home")}</Link>
    </section>
  );
}

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: "/", element: <Home /> },
      ...PAGES.map((p) => ({ path: p.path, element: p.public ? p.element : <RequireLogin>{p.element}</RequireLogin> })),
      { path: "*", element: <NotFound /> },
    ],
  },
]);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <LanguageProvider>
      <SessionProvider>
        <RouterProvider router={router} />
      </SessionProvider>
    </LanguageProvider>
  </StrictMode>,
);
