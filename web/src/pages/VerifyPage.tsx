import { useState, type FormEvent } from "react";
import { api, type VerificationReport } from "../api";
import ErrorBox from "../components/ErrorBox";
import SignatureVerdict from "../components/SignatureVerdict";
import { useI18n } from "../i18n";

/** Anyone (no login) uploads a signed PDF and reads the verdict in words. */
export default function VerifyPage() {
  const { t } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<VerificationReport | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setReport(null);
    const form = new FormData();
    form.append("file", file);
    try {
      setReport(await api.post<VerificationReport>("/api/v1/verify", form));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1>{t("verifyTitle")}</h1>
      <p>{t("verifyIntro")}</p>
      <form onSubmit={submit} className="stack narrow">
        <label htmlFor="pdf">{t("verifyFile")}</label>
        <input id="pdf" name="file" type="file" accept="application/pdf,.pdf" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        <button type="submit" disabled={busy || !file}>
          {busy ? t("verifying") : t("verifyButton")}
        </button>
      </form>
      <ErrorBox error={error} />
      {report && <SignatureVerdict report={report} />}
    </section>
  );
}
