import { useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router-dom";
import ErrorBox from "../components/ErrorBox";
import { useI18n } from "../i18n";
import { useSession } from "../session";

/** Log in with the same username and password as the API; the password goes to the service once and is kept
 * nowhere in the browser (the session is an HttpOnly cookie). */
export default function LoginPage() {
  const { t } = useI18n();
  const { user, ended, logIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const next = params.get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/documents";

  if (user && !busy) return <Navigate to={target} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await logIn(username, password);
      setPassword("");
      navigate(target, { replace: true });
    } catch (err) {
      setError(err);
      setPassword("");
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow">
      <h1>{t("loginTitle")}</h1>
      {ended && <p className="notice" role="status">{t("sessionEnded")}</p>}
      {params.get("out") && !ended && <p className="notice" role="status">{t("loggedOut")}</p>}
      <ErrorBox error={error} />
      <form onSubmit={submit} className="stack">
        <label htmlFor="username">{t("username")}</label>
        <input id="username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        <label htmlFor="password">{t("password")}</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <button type="submit" disabled={busy}>
          {busy ? t("loggingIn") : t("loginButton")}
        </button>
      </form>
    </section>
  );
}
