// Every page of the app, in one table: its path, whether it needs a logged-in person, and its menu entry (for which
// roles). A new page is a component in pages/ and one line here; the API still checks every role itself.
import type { ReactNode } from "react";
import type { MessageKey } from "./i18n";
import DocumentPage from "./pages/DocumentPage";
import DocumentsPage from "./pages/DocumentsPage";
import LoginPage from "./pages/LoginPage";
import NewDocumentPage from "./pages/NewDocumentPage";
import VerifyPage from "./pages/VerifyPage";

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
  { path: "/verify", element: <VerifyPage />, public: true, nav: { label: "navVerify" } },
];
