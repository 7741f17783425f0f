// Every page of the app, in one table: its path, whether it needs a logged-in person, and its menu entry (for which
// roles). A new page is a component in pages/ and one line here; the API still checks every role itself.
import type { ReactNode } from "react";
import type { MessageKey } from "./i18n";
import ClerkPage from "./pages/ClerkPage";
import DocumentPage from "./pages/DocumentPage";
import DocumentsPage from "./pages/DocumentsPage";
import FindPage from "./pages/FindPage";
import InboxPage from "./pages/InboxPage";
import LoginPage from "./pages/LoginPage";
import NewDocumentPage from "./pages/NewDocumentPage";
import VerifyPage from "./pages/VerifyPage";
import BatchPage from "./pages/BatchPage";
import AdminUsersPage from "./pages/AdminUsersPage";
import AdminTemplatesPage from "./pages/AdminTemplatesPage";
import RecordsPage from "./pages/RecordsPage";

export interface PageRoute {
  path: string;
  element: ReactNode;
  /** Open to anyone (default: logged-in people only). */
  public?: boolean;
  /** The menu entry; shown to people holding one of `roles` (anyone logged in when absent; public pages: all). */
  nav?: { label: MessageKey; roles?: string[] };
}

export const PAGES: PageRoute[] = [
  { path: "/login", element: <LoginPage />, public: true },
  { path: "/documents", element: <DocumentsPage />, nav: { label: "navDocuments" } },
  { path: "/documents/:id", element: <DocumentPage /> },
  { path: "/new", element: <NewDocumentPage />, nav: { label: "navNewDocument", roles: ["requester", "admin"] } },
  { path: "/inbox", element: <InboxPage />, nav: { label: "navInbox", roles: ["signer"] } },
  { path: "/clerk", element: <ClerkPage />, nav: { label: "navClerk", roles: ["clerk", "admin"] } },
  { path: "/find", element: <FindPage />, nav: { label: "navFind" } },
  { path: "/records", element: <RecordsPage />, nav: { label: "navFiles" } },
  { path: "/records/:code", element: <RecordsPage /> },
  { path: "/verify", element: <VerifyPage />, public: true, nav: { label: "navVerify" } },
  { path: "/v/:code", element: <VerifyPage />, public: true },
  { path: "/batch", element: <BatchPage />, nav: { label: "navBatch", roles: ["requester"] } },
  { path: "/admin/users", element: <AdminUsersPage />, nav: { label: "navAdminUsers", roles: ["admin"] } },
  { path: "/admin/templates", element: <AdminTemplatesPage />, nav: { label: "navAdminTemplates", roles: ["admin"] } },
];
