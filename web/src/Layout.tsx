import { useEffect, useRef } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate } from "react-router-dom";
import { useI18n } from "./i18n";
import { PAGES } from "./routes";
import { useSession } from "./session";

/** The frame of every page: a skip link, the menu (entries for the person's roles), the language switch, who is
 * logged in and the log-out button; the page itself in <main>, focused when the route changes (screen readers). */
export default function Layout() {
  const { t, lang, setLang } = useI18n();
  const { user, logOut, hasRole } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  const entries = PAGES.filter(
    (p) => p.nav && (p.public || (user && (!p.nav.roles || hasRole(...p.nav.roles)))),
  );

  return (
    <>
      <a className="skip-link" href="#main">
        {t("skipToContent")}
      </a>
      <header className="top">
        <Link to="/" className="brand">
          <span className="brand-name">{t("appName")}</span>
          <span className="brand-school">{t("school")}</span>
        </Link>
        <nav aria-label={lang === "vi" ? "Trình đơn chính" : "Main menu"}>
          <ul>
            {entries.map((p) => (
              <li key={p.path}>
                <NavLink to={p.path}>{t(p.nav!.label)}</NavLink>
              </li>
            ))}
            {!user && (
              <li>
                <NavLink to="/login">{t("navLogin")}</NavLink>
              </li>
            )}
          </ul>
        </nav>
        <div className="tools">
          <button type="button" className="link-button" lang={lang === "vi" ? "en" : "vi"} onClick={() => setLang(lang === "vi" ? "en" : "vi")}>
            {t("switchLanguage")}
          </button>
          {user && (
            <>
              <span className="who" title={user.roles.join(", ")}>
                <span className="visually-hidden">{t("loggedInAs")}: </span>
                {user.full_name} ({user.organisation})
              </span>
              <button
                type="button"
                onClick={async () => {
                  await logOut();
                  navigate("/login?out=1");
                }}
              >
                {t("logout")}
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
