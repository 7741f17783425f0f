import { useEffect, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { api, type DocumentList, type DocumentOut, type TemplateSummary } from "../api";
import DataTable from "../components/DataTable";
import ErrorBox from "../components/ErrorBox";
import { Field } from "../components/Field";
import Notice from "../components/Notice";
import { ChoosingTable, useSelection } from "../components/Selection";
import { useFetch } from "../components/useFetch";
import { dateText, dateTimeText } from "../format";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import { lastSignedAt, signerNames } from "../signatures";
import { templateTitle } from "../components/templateChoices";

interface RegisterEntry {
  number: number;
  notation: string;
  issued_on: string;
  type_name: string;
  subject: string;
  signer: string;
  recipients: string;
  document_id: string | null;
  status: string;
}

interface Register {
  organisation: string;
  year: number;
  entries: RegisterEntry[];
}

/** The clerk's desk (văn thư): documents signed and waiting to be issued, issued one or many at once (each one's
 * refusal at its row), and the body's register of outgoing documents per year, with its spreadsheet. */
export default function ClerkPage() {
  const { t, errorText } = useI18n();
  const { user } = useSession();
  const { data: waiting, error, reload } = useFetch<DocumentList>("/api/v1/documents?status=signed&page_size=100");
  const { data: templates } = useFetch<TemplateSummary[]>("/api/v1/templates");
  const [failures, setFailures] = useState<Record<string, unknown>>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [yearText, setYearText] = useState("");
  const [year, setYear] = useState<number | null>(null); // null: this year in Vietnam, as the service counts it
  const organisation = user?.organisation ?? "";
  const { data: register, error: registerError, reload: reloadRegister } = useFetch<Register>(
    organisation ? `/api/v1/registers/${encodeURIComponent(organisation)}/entries${year ? `?year=${year}` : ""}` : null,
  );
  const shownYear = register?.year ?? year;
  const yearShown = useRef(false);
  useEffect(() => {
    if (register && !yearShown.current) {
      yearShown.current = true; // the field starts at this year; then it is the clerk's
      setYearText(String(register.year));
    }
  }, [register]);
  const title = (id: string) => templateTitle(templates, id);
  const docs = waiting?.items ?? [];
  const selection = useSelection(docs.map((d) => d.id));
  const ids = selection.ids;

  async function issue() {
    setBusy(true);
    setDone(null);
    const failed: Record<string, unknown> = {};
    let issued = 0;
    for (const id of ids) {
      try {
        await api.post<DocumentOut>(`/api/v1/documents/${id}:issue`, {});
        issued += 1;
      } catch (err) {
        failed[id] = err;
      }
    }
    setFailures(failed);
    selection.choose(Object.keys(failed));
    setDone(t("issuedDone", { n: issued }));
    setBusy(false);
    reload();
    reloadRegister();
  }

  return (
    <section>
      <h1>{t("clerkTitle")}</h1>
      <h2>{t("waitingIssue")}</h2>
      <ErrorBox error={error} />
      <Notice text={done} />
      {waiting && docs.length === 0 && <p>{t("waitingEmpty")}</p>}
      {docs.length > 0 && (
        <>
          <ChoosingTable selection={selection} headers={[t("type"), t("signedAt"), t("signers")]}>
            {docs.map((d) => (
              <tr key={d.id} data-testid="waiting-row">
                <td>
                  <input
                    type="checkbox"
                    aria-label={`${t("select")}: ${title(d.template)} (${dateTimeText(lastSignedAt(d))})`}
                    checked={selection.has(d.id)}
                    onChange={() => selection.toggle(d.id)}
                  />
                </td>
                <td>
                  <Link to={`/documents/${d.id}`}>{title(d.template)}</Link>
                  {failures[d.id] !== undefined && (
                    <span className="field-error" role="alert">
                      {t("issueFailed")}: {errorText(failures[d.id])}
                    </span>
                  )}
                </td>
                <td>{dateTimeText(lastSignedAt(d))}</td>
                <td>{signerNames(d)}</td>
              </tr>
            ))}
          </ChoosingTable>
          <p className="buttons">
            <button type="button" disabled={busy || ids.length === 0} onClick={issue}>
              {busy ? t("issuing") : t("issueButton", { n: ids.length })}
            </button>
          </p>
        </>
      )}
      <h2>{t("registerTitle")}</h2>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const n = Number(yearText);
          if (Number.isInteger(n) && n >= 2000 && n <= 2100) setYear(n);
        }}
      >
        <Field id="register-year" label={t("year")}>
          <input id="register-year" inputMode="numeric" pattern="[0-9]{4}" value={yearText} onChange={(e) => setYearText(e.target.value)} />
        </Field>
        <div className="buttons">
          <button type="submit">{t("show_register")}</button>
          {organisation && shownYear && (
            <a className="button" href={`/api/v1/registers/${encodeURIComponent(organisation)}/entries.xlsx?year=${shownYear}`} download>
              {t("downloadXlsx")}
            </a>
          )}
        </div>
      </form>
      <ErrorBox error={registerError} />
      {register && register.entries.length === 0 && <p>{t("registerEmpty")}</p>}
      {register && register.entries.length > 0 && (
        <DataTable
          testId="register"
          caption={`${t("registerTitle")} ${register.organisation} ${register.year}`}
          rows={register.entries}
          rowKey={(e) => e.number}
          columns={[
            { header: t("number"), cell: (e) => e.number },
            { header: t("numberNotation"), cell: (e) => (e.document_id ? <Link to={`/documents/${e.document_id}`}>{e.notation}</Link> : e.notation) },
            { header: t("issuedOn"), cell: (e) => dateText(e.issued_on) },
            { header: t("type"), cell: (e) => e.type_name },
            { header: t("subject"), cell: (e) => e.subject },
            { header: t("signer"), cell: (e) => e.signer },
          ]}
        />
      )}
    </section>
  );
}
