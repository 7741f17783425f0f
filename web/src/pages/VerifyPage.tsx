import { useEffect, useState, type FormEvent } from "react";
import { useParams } from "react-router-dom";
import { api, type VerificationReport } from "../api";
import ErrorBox from "../components/ErrorBox";
import SignatureVerdict from "../components/SignatureVerdict";
import { useI18n } from "../i18n";

/** What the register holds of an issued document (GET /api/v1/public/verify/{code}). */
interface IssuedDocument {
  notation: string;
  issued_on: string;
  issuing_body: string;
  title: string;
  signers: string[];
  sha256: string;
}

interface CopyVerdict {
  document: IssuedDocument;
  verification: VerificationReport;
  same_file: boolean;
}

/** Anyone (no login) uploads a signed PDF and reads the verdict in words. At /v/<code>, where an issued document's
 * QR code leads, the page first shows that document as registered, and judges the copy against it. */
export default function VerifyPage() {
  const { t } = useI18n();
  const { code } = useParams<{ code?: string }>();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<VerificationReport | null>(null);
  const [issued, setIssued] = useState<IssuedDocument | null>(null);
  const [unknown, setUnknown] = useState(false);
  const [sameFile, setSameFile] = useState<boolean | null>(null);

  useEffect(() => {
    if (!code) return;
    setIssued(null);
    setUnknown(false);
    api
      .get<IssuedDocument>(`/api/v1/public/verify/${encodeURIComponent(code)}`)
      .then(setIssued)
      .catch(() => setUnknown(true));
  }, [code]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setReport(null);
    setSameFile(null);
    const form = new FormData();
    form.append("file", file);
    try {
      if (code) {
        const verdict = await api.post<CopyVerdict>(`/api/v1/public/verify/${encodeURIComponent(code)}`, form);
        setReport(verdict.verification);
        setSameFile(verdict.same_file);
      } else {
        setReport(await api.post<VerificationReport>("/api/v1/verify", form));
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (code && unknown) {
    return (
      <section>
        <h1>{t("issuedTitle")}</h1>
        <p role="alert" data-testid="issued-unknown">{t("issuedUnknown")}</p>
      </section>
    );
  }
  return (
    <section>
      <h1>{t(code ? "issuedTitle" : "verifyTitle")}</h1>
      <p>{t(code ? "issuedIntro" : "verifyIntro")}</p>
      {issued && (
        <dl className="issued" data-testid="issued">
          <dt>{t("issuedNotation")}</dt>
          <dd>{issued.notation}</dd>
          <dt>{t("issuedOn")}</dt>
          <dd>{issued.issued_on.split("-").reverse().join("/")}</dd>
          <dt>{t("issuedBy")}</dt>
          <dd>{issued.issuing_body}</dd>
          <dt>{t("issuedSubject")}</dt>
          <dd>{issued.title}</dd>
          <dt>{t("issuedSigners")}</dt>
          <dd>{issued.signers.join(", ")}</dd>
          <dt>{t("issuedSha256")}</dt>
          <dd><code>{issued.sha256}</code></dd>
        </dl>
      )}
      <form onSubmit={submit} className="stack narrow">
        <label htmlFor="pdf">{t("verifyFile")}</label>
        <input id="pdf" name="file" type="file" accept="application/pdf,.pdf" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        <button type="submit" disabled={busy || !file}>
          {busy ? t("verifying") : t("verifyButton")}
        </button>
      </form>
      <ErrorBox error={error} />
      {sameFile !== null && (
        <p className={sameFile ? "verdict-ok" : "verdict-bad"} data-testid="same-file">
          {t(sameFile ? "sameFile" : "otherFile")}
        </p>
      )}
      {report && <SignatureVerdict report={report} />}
    </section>
  );
}
