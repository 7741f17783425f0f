import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { api, type DocumentOut } from "../api";
import DocumentPages from "../components/DocumentPages";
import ErrorBox from "../components/ErrorBox";
import Notice from "../components/Notice";
import { ChoosingTable, useSelection } from "../components/Selection";
import { useFetch } from "../components/useFetch";
import { useSignerNames } from "../components/useSignerNames";
import { dateTimeText } from "../format";
import { useI18n } from "../i18n";
import { AgentUnreachable, agentCertificates, agentSign } from "../signAgent";

interface Waiting extends DocumentOut {
  subject: string;
}

interface Method {
  credential: string | null;
  sign_agent_url: string;
}

/** The leader's signing inbox (hộp ký): what waits for their signature, each viewable; several signed with one
 * authorisation (the PIN of their key on the server, or their USB token through the signing agent); one sent back
 * with a reason. */
export default function InboxPage() {
  const { t } = useI18n();
  const { data: docs, error, reload } = useFetch<Waiting[]>("/api/v1/inbox");
  const { data: method } = useFetch<Method>("/api/v1/inbox/method");
  const signerName = useSignerNames();
  const [shown, setShown] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const waiting = docs ?? [];
  const selection = useSelection(waiting.map((d) => d.id));
  const ids = selection.ids;

  function finished(message: string) {
    selection.choose([]);
    setRejecting(null);
    setDone(message);
    reload();
  }

  return (
    <section>
      <h1>{t("inboxTitle")}</h1>
      <ErrorBox error={error} />
      <Notice text={done} />
      {docs && waiting.length === 0 && <p>{t("inboxEmpty")}</p>}
      {waiting.length > 0 && (
        <ChoosingTable selection={selection} headers={[t("subject"), t("requestedOn"), t("signers"), t("what")]}>
          {waiting.map((d) => (
            <InboxRow
              key={d.id}
              doc={d}
              chosen={selection.has(d.id)}
              onToggle={() => selection.toggle(d.id)}
              shown={shown === d.id}
              onShow={() => setShown(shown === d.id ? null : d.id)}
              rejecting={rejecting === d.id}
              onReject={() => setRejecting(rejecting === d.id ? null : d.id)}
              onRejected={() => finished(t("rejectedDone"))}
              signerName={signerName}
            />
          ))}
        </ChoosingTable>
      )}
      {waiting.length > 0 && method && (
        <>
          <h2>{t("signTitle")}</h2>
          <p role="status">{t("signChosen", { n: ids.length })}</p>
          <ServerKeyForm ids={ids} credential={method.credential} onSigned={(n) => finished(t("signedDone", { n }))} />
          <TokenForm ids={ids} agentUrl={method.sign_agent_url} onSigned={(n) => finished(t("signedDone", { n }))} />
        </>
      )}
    </section>
  );
}

interface RowProps {
  doc: Waiting;
  signerName: (username: string) => string;
  chosen: boolean;
  onToggle: () => void;
  shown: boolean;
  onShow: () => void;
  rejecting: boolean;
  onReject: () => void;
  onRejected: () => void;
}

function InboxRow({ doc, signerName, chosen, onToggle, shown, onShow, rejecting, onReject, onRejected }: RowProps) {
  const { t } = useI18n();
  const label = `${doc.subject} (${dateTimeText(doc.created_at)})`;
  return (
    <>
      <tr data-testid="inbox-row">
        <td>
          <input type="checkbox" aria-label={`${t("select")}: ${label}`} checked={chosen} onChange={onToggle} />
        </td>
        <td>
          <Link to={`/documents/${doc.id}`} title={t("openDocument")}>
            {doc.subject}
          </Link>
        </td>
        <td>{dateTimeText(doc.created_at)}</td>
        <td>{doc.signers.map(signerName).join(", ")}</td>
        <td>
          <div className="buttons">
            <button type="button" className="small" aria-expanded={shown} onClick={onShow}>
              {shown ? t("hide") : t("show")}
            </button>
            <button type="button" className="small" aria-expanded={rejecting} onClick={onReject}>
              {t("rejectButton")}
            </button>
          </div>
        </td>
      </tr>
      {rejecting && (
        <tr>
          <td colSpan={5}>
            <RejectForm doc={doc} onRejected={onRejected} onCancel={onReject} />
          </td>
        </tr>
      )}
      {shown && (
        <tr>
          <td colSpan={5}>
            <DocumentPages doc={doc} />
          </td>
        </tr>
      )}
    </>
  );
}

function RejectForm({ doc, onRejected, onCancel }: { doc: DocumentOut; onRejected: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/v1/documents/${doc.id}:reject`, { reason });
      onRejected();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const id = `reason-${doc.id}`;
  return (
    <form onSubmit={submit} className="stack">
      <div className="field">
        <label htmlFor={id}>{t("rejectReason")}</label>
        <textarea id={id} required value={reason} autoFocus onChange={(e) => setReason(e.target.value)} />
      </div>
      <ErrorBox error={error} />
      <p className="buttons">
        <button type="submit" disabled={busy}>
          {t("rejectConfirm")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("cancel")}
        </button>
      </p>
    </form>
  );
}

function ServerKeyForm({ ids, credential, onSigned }: { ids: string[]; credential: string | null; onSigned: (n: number) => void }) {
  const { t } = useI18n();
  const [pin, setPin] = useState("");
  const [remoteToken, setRemoteToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!credential) return <p>{t("noCredential")}</p>;
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (ids.length === 0) return setError(new Error(t("noneChosen")));
    setBusy(true);
    setError(null);
    try {
      const body = { document_ids: ids, pin, remote_token: credential === "csc" ? remoteToken : null };
      const signed = await api.post<DocumentOut[]>("/api/v1/inbox:sign", body);
      setPin("");
      setRemoteToken("");
      onSigned(signed.length);
    } catch (err) {
      setPin("");
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} className="stack narrow" aria-labelledby="server-key">
      <h3 id="server-key">{t("signWithServerKey")}</h3>
      <div className="field">
        <label htmlFor="pin">{t("pin")}</label>
        <input id="pin" type="password" autoComplete="off" required value={pin} aria-describedby="pin-hint" onChange={(e) => setPin(e.target.value)} />
        <span id="pin-hint" className="hint">
          {t("pinHint")}
        </span>
      </div>
      {credential === "csc" && (
        <div className="field">
          <label htmlFor="remote-token">{t("remoteToken")}</label>
          <input id="remote-token" type="password" autoComplete="off" required value={remoteToken} onChange={(e) => setRemoteToken(e.target.value)} />
        </div>
      )}
      <ErrorBox error={error} />
      <button type="submit" disabled={busy || ids.length === 0}>
        {busy ? t("signing") : t("signButton", { n: ids.length })}
      </button>
    </form>
  );
}

function TokenForm({ ids, agentUrl, onSigned }: { ids: string[]; agentUrl: string; onSigned: (n: number) => void }) {
  const { t } = useI18n();
  const [step, setStep] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      setStep(t("tokenAsking"));
      const certificates = await agentCertificates(agentUrl);
      const prepared = await api.post<unknown>("/api/v1/inbox:prepare", { document_ids: ids, certificates });
      setStep(t("tokenConfirm"));
      const signatures = await agentSign<unknown>(agentUrl, prepared);
      setStep(t("tokenFinishing"));
      const signed = await api.post<DocumentOut[]>("/api/v1/inbox:complete", signatures);
      onSigned(signed.length);
    } catch (err) {
      setError(err instanceof AgentUnreachable ? new Error(t("tokenUnreachable", { url: agentUrl })) : err);
    } finally {
      setStep(null);
    }
  }
  return (
    <form onSubmit={submit} className="stack narrow" aria-labelledby="token-key">
      <h3 id="token-key">{t("signWithToken")}</h3>
      <p className="hint">{t("tokenIntro", { url: agentUrl })}</p>
      {step && (
        <p className="notice" role="status">
          {step}
        </p>
      )}
      <ErrorBox error={error} />
      <button type="submit" disabled={step !== null || ids.length === 0}>
        {t("tokenButton", { n: ids.length })}
      </button>
    </form>
  );
}
