// Who is logged in: asked of the API once when the app opens (the session cookie is HttpOnly, the page never sees
// it), kept in memory; a 401 from any call ends it here too. No password or PIN is ever stored by the page.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { api, ApiError, setCsrfToken, whenUnauthenticated, type SessionInfo } from "./api";
import { useI18n } from "./i18n";

interface Session {
  user: SessionInfo | null;
  ready: boolean;
  ended: boolean; // the session ended by itself (idle time): the log-in page says so
  logIn: (username: string, password: string) => Promise<void>;
  logOut: () => Promise<void>;
  hasRole: (...roles: string[]) => boolean;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionInfo | null>(null);
  const [ready, setReady] = useState(false);
  const [ended, setEnded] = useState(false);

  const take = useCallback((info: SessionInfo | null) => {
    setCsrfToken(info?.csrf_token ?? null);
    setUser(info);
  }, []);

  useEffect(() => {
    whenUnauthenticated(() => {
      setEnded(true);
      take(null);
    });
    api
      .get<SessionInfo>("/api/v1/session")
      .then(take)
      .catch((e) => {
        if (!(e instanceof ApiError && e.status === 401)) console.error(e);
        take(null);
      })
      .finally(() => setReady(true));
  }, [take]);

  const value = useMemo<Session>(
    () => ({
      user,
      ready,
      ended,
      logIn: async (username, password) => {
        const info = await api.post<SessionInfo>("/api/v1/session", { username, password });
        setEnded(false);
        take(info);
      },
      logOut: async () => {
        try {
          await api.delete("/api/v1/session");
        } finally {
          setEnded(false);
          take(null);
        }
      },
      hasRole: (...roles) => !!user && roles.some((r) => user.roles.includes(r)),
    }),
    [user, ready, ended, take],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

/** A page for logged-in people: the others are sent to the log-in page, which brings them back afterwards. */
export function RequireLogin({ children }: { children: ReactNode }) {
  const { user, ready } = useSession();
  const { t } = useI18n();
  const location = useLocation();
  if (!ready) return <p role="status">{t("loading")}</p>;
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <>{children}</>;
}
