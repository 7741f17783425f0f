import { useState, type FormEvent } from "react";
import { api, type DocumentOut, type Signer } from "../api";
import { useI18n } from "../i18n";
import ErrorBox from "./ErrorBox";
import { useFetch } from "./useFetch";

/** Send a draft (or a rejected document) to its signers, chosen in order; a joint document needs one signer of each
 * body (the API says which is missing, at the field). */
export default function SubmitPanel({ doc, onSubmitted }: { doc: DocumentOut; onSubmitted: (doc: DocumentOut) => void }) {
  const { t } = useI18n();
  const { data: signers } = useFetch<Signer[]>("/api/v1/signers");
  const [chosen, setChosen] = useState<string[]>(doc.signers.length ? doc.signers : [""]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const names = chosen.filter(Boolean);
      onSubmitted(await api.post<DocumentOut>(`/api/v1/documents/${doc.id}:submit`, { signers: names }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="stack submit-panel">
      <fieldset>
        <legend>{t("chooseSigners")}</legend>
        {chosen.map((name, i) => (
          <div key={i} className="row">
            <label htmlFor={`signer-${i}`}>{t("signerN", { n: i + 1 })}</label>
            <select
              id={`signer-${i}`}
              value={name}
              required
              onChange={(e) => setChosen(chosen.map((c, j) => (j === i ? e.target.value : c)))}
            >
              <option value="">—</option>
              {(signers ?? []).map((s) => (
                <option key={s.username} value={s.username}>
                  {s.full_name} — {s.title} ({s.organisation})
                </option>
              ))}
            </select>
            {chosen.length > 1 && (
              <button type="button" onClick={() => setChosen(chosen.filter((_, j) => j !== i))}>
                {t("removeSigner")}
              </button>
            )}
          </div>
        ))}
        {chosen.length < 5 && (
          <button type="button" onClick={() => setChosen([...chosen, ""])}>
            {t("addSigner")}
          </button>
        )}
      </fieldset>
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>
        {t("submitButton")}
      </button>
    </form>
  );
}
