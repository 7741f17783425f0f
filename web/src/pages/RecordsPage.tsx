import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { api, ApiError, type DocumentList, type DocumentOut, type FieldProblem, type TemplateSummary } from "../api";
import { problemAt, split, TextField } from "../components/AdminFields";
import DataTable from "../components/DataTable";
import DateInput from "../components/DateInput";
import DocumentTable from "../components/DocumentTable";
import ErrorBox, { FormErrorBox } from "../components/ErrorBox";
import { Field } from "../components/Field";
import Notice from "../components/Notice";
import { ChoosingTable, useSelection } from "../components/Selection";
import { useFetch } from "../components/useFetch";
import { dateText } from "../format";
import { useI18n, type MessageKey } from "../i18n";
import { useSession } from "../session";
import { templateTitle } from "../components/templateChoices";

/** A batch with letters to file, as `GET /api/v1/records/{code}/batches` gives it. */
interface BatchToFile {
  id: string;
  template: string;
  class_name: string | null;
  requested_at: string;
  letters: number;
  to_file: number;
  first: number | null;
  last: number | null;
  whole: boolean;
}

/** A hồ sơ (file of records) as `GET /api/v1/records` gives it. */
interface RecordFile {
  code: string;
  title: string;
  organisation: string;
  retention_years: number | null;
  rights: string;
  creator: string;
  start_date: string;
  end_date: string | null;
  closed_at: string | null;
  description: string;
}

interface RecordFileDetail extends RecordFile {
  documents: DocumentOut[];
}

const MANAGERS = ["clerk", "admin"]; // who opens, fills and closes a hồ sơ (the API checks it again)

function retentionText(t: (key: MessageKey, values?: Record<string, string | number>) => string, years: number | null) {
  return years === null ? t("permanent") : t("years", { n: years });
}

function datesText(f: RecordFile) {
  return `${dateText(f.start_date)} – ${f.end_date ? dateText(f.end_date) : "…"}`;
}

/** A refusal of a filing with each document named by its number and notation, not by its place in the request
 * (``document_ids[0]``) or its id. */
function namingDocuments(err: unknown, ids: string[], docs: DocumentOut[]): unknown {
  if (!(err instanceof ApiError)) return err;
  const names = new Map<string, string>();
  ids.forEach((id, i) => {
    const notation = docs.find((d) => d.id === id)?.notation;
    if (notation) {
      names.set(`document_ids[${i}]`, notation);
      names.set(id, notation);
    }
  });
  const named = (text: string) => [...names].reduce((out, [from, to]) => out.split(from).join(to), text);
  const errors = err.errors.map((e) => ({ ...e, path: named(e.path.replace(/^body\./, "")), message: named(e.message), message_vi: named(e.message_vi) }));
  return new ApiError(err.status, err.code, named(err.messageEn), named(err.messageVi), errors);
}

/** The hồ sơ of the body (``/records``): the list, and a form to open one (clerks, admins); ``/records/:code`` is
 * one of them (see RecordFilePage). */
export default function RecordsPage() {
  const { code } = useParams();
  return code ? <RecordFilePage key={code} code={code} /> : <RecordFilesPage />;
}

function RecordFilesPage() {
  const { t, lang } = useI18n();
  const { hasRole } = useSession();
  const navigate = useNavigate();
  const admin = hasRole("admin"); // sees every body's hồ sơ: each one's body is shown
  const { data: files, error } = useFetch<RecordFile[]>("/api/v1/records");
  const [form, setForm] = useState({ code: "", title: "", start_date: "", retention: "", rights: "hạn chế", description: "" });
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const at = (path: string) => problemAt(problems, path, lang);
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });

  async function create(e: FormEvent) {
    e.preventDefault();
    setProblems([]);
    setSaveError(null);
    const retention = form.retention.trim();
    if (retention !== "" && !/^[0-9]{1,3}$/.test(retention)) {
      // "10 năm" is not a number of years: said here, never sent as "permanent"
      setProblems([{ path: "retention_years", message: t("fileRetentionBad"), message_vi: t("fileRetentionBad") }]);
      return;
    }
    setBusy(true);
    try {
      const made = await api.post<RecordFile>("/api/v1/records", {
        code: form.code.trim(),
        title: form.title.trim(),
        start_date: form.start_date || null,
        retention_years: retention === "" ? null : Number(retention),
        rights: form.rights,
        description: form.description.trim(),
      });
      navigate(`/records/${encodeURIComponent(made.code)}`, { state: { notice: t("fileCreated", { code: made.code }) } });
    } catch (err) {
      const [p, other] = split(err);
      setProblems(p);
      setSaveError(other);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1>{t("filesTitle")}</h1>
      <ErrorBox error={error} />
      {files && files.length === 0 && <p>{t("filesEmpty")}</p>}
      {files && files.length > 0 && (
        <DataTable
          testId="files"
          rows={files}
          rowKey={(f) => f.code}
          columns={[
            { header: t("fileCode"), cell: (f) => <Link to={`/records/${encodeURIComponent(f.code)}`}>{f.code}</Link> },
            { header: t("fileTitle"), cell: (f) => f.title },
            ...(admin ? [{ header: t("organisation"), cell: (f: RecordFile) => f.organisation }] : []),
            { header: t("fileDates"), cell: datesText },
            { header: t("retention"), cell: (f) => retentionText(t, f.retention_years) },
            { header: t("fileState"), cell: (f) => (f.closed_at ? t("fileClosedOn", { date: dateText(f.closed_at) }) : t("fileOpen")) },
          ]}
        />
      )}
      {hasRole(...MANAGERS) && (
        <form className="stack narrow" onSubmit={create} noValidate aria-labelledby="new-file-title">
          <h2 id="new-file-title">{t("fileNewTitle")}</h2>
          <TextField id="file-code" label="fileCode" value={form.code} onChange={set("code")} error={at("code")} required />
          <TextField id="file-title" label="fileTitle" value={form.title} onChange={set("title")} error={at("title")} required />
          <DateInput id="file-start" label={t("fileStart")} required value={form.start_date} onChange={set("start_date")} error={at("start_date")} />
          <TextField id="file-retention" label="fileRetentionYears" value={form.retention} onChange={set("retention")} error={at("retention_years")} />
          <Field id="file-rights" label={t("fileRights")} error={at("rights")}>
            <select id="file-rights" value={form.rights} onChange={(e) => set("rights")(e.target.value)}>
              <option value="hạn chế">{t("rightsRestricted")}</option>
              <option value="công khai">{t("rightsPublic")}</option>
            </select>
          </Field>
          <Field id="file-description" label={t("fileDescription")} error={at("description")}>
            <textarea id="file-description" maxLength={2000} rows={3} value={form.description} onChange={(e) => set("description")(e.target.value)} />
          </Field>
          <FormErrorBox problems={problems} error={saveError} />
          <p className="buttons">
            <button type="submit" disabled={busy}>
              {t("fileCreateButton")}
            </button>
          </p>
        </form>
      )}
    </section>
  );
}

/** One hồ sơ: what it is, the documents filed in it (in order), and for clerks and admins: file the body's issued
 * documents not filed yet (all or none: a refusal names each document), close it, download it as a ZIP (hoso.xml,
 * PDFs, SHA-256). */
function RecordFilePage({ code }: { code: string }) {
  const { t } = useI18n();
  const { hasRole } = useSession();
  const path = `/api/v1/records/${encodeURIComponent(code)}`;
  const { data: file, error, reload } = useFetch<RecordFileDetail>(path);
  const manager = hasRole(...MANAGERS);
  const open = !!file && !file.closed_at;
  const { data: issued, error: issuedError, reload: reloadIssued } = useFetch<DocumentList>(
    manager && open
      ? `/api/v1/documents?status=issued&filed=false&organisation=${encodeURIComponent(file.organisation)}&order=issued&page_size=100`
      : null,
  );
  const { data: templates } = useFetch<TemplateSummary[]>("/api/v1/templates");
  const unfiled = issued?.items ?? []; // the body's first 100 not filed yet, in the order they were issued
  const selection = useSelection(unfiled.map((d) => d.id));
  const { data: batches, reload: reloadBatches } = useFetch<BatchToFile[]>(manager && open ? `${path}/batches` : null); // however many letters
  const location = useLocation(); // a file just opened: its notice comes with the page
  const [notice, setNotice] = useState<string | null>((location.state as { notice?: string } | null)?.notice ?? null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const title = (id: string) => templateTitle(templates, id);

  async function act(work: () => Promise<unknown>, done: string, explained: (err: unknown) => unknown = (err) => err) {
    setBusy(true);
    setNotice(null);
    setActionError(null);
    try {
      await work();
      setNotice(done);
      selection.choose([]);
    } catch (err) {
      setActionError(explained(err));
    } finally {
      setBusy(false);
      reload();
      reloadIssued();
      reloadBatches();
    }
  }

  const ids = selection.ids; // in the list's order, the order they were issued (the API's order=issued)
  return (
    <section>
      <p>
        <Link to="/records">{t("filesBack")}</Link>
      </p>
      <ErrorBox error={error} />
      {file && (
        <>
          <h1>
            {file.code}: {file.title}
          </h1>
          <Notice text={notice} />
          <dl className="meta" data-testid="file-facts">
            <dt>{t("organisation")}</dt>
            <dd>{file.organisation}</dd>
            <dt>{t("fileDates")}</dt>
            <dd>{datesText(file)}</dd>
            <dt>{t("retention")}</dt>
            <dd>{retentionText(t, file.retention_years)}</dd>
            <dt>{t("fileRights")}</dt>
            <dd>{file.rights === "công khai" ? t("rightsPublic") : t("rightsRestricted")}</dd>
            <dt>{t("fileCreator")}</dt>
            <dd>{file.creator}</dd>
            <dt>{t("fileState")}</dt>
            <dd>{file.closed_at ? t("fileClosedOn", { date: dateText(file.closed_at) }) : t("fileOpen")}</dd>
            {file.description && (
              <>
                <dt>{t("fileDescription")}</dt>
                <dd>{file.description}</dd>
              </>
            )}
          </dl>
          <ErrorBox error={actionError} />
          <p className="buttons">
            {manager && ( // the API gives the ZIP for transfer to the archive to the body's clerks and admins
              <a className="button" href={`${path}/export`} download>
                {t("fileExport")}
              </a>
            )}
            {manager && open && (
              <button
                type="button"
                disabled={busy}
                onClick={() => window.confirm(t("fileCloseConfirm", { code: file.code })) && act(() => api.post(`${path}:close`, {}), t("fileClosed"))}
              >
                {t("fileCloseButton")}
              </button>
            )}
          </p>
          <h2>{t("fileDocuments")}</h2>
          {file.documents.length === 0 && <p>{t("fileNoDocuments")}</p>}
          {file.documents.length > 0 && (
            <DocumentTable
              testId="filed"
              items={file.documents}
              templates={templates}
              columns={[
                { header: t("docOrdinal"), cell: (d) => d.metadata?.doc_ordinal ?? "" },
                { header: t("issuedOnShort"), cell: (d) => dateText(d.issued_on) },
              ]}
            />
          )}
          <ErrorBox error={issuedError} />
          {manager && open && issued && (
            <>
              <h2>{t("fileAddTitle")}</h2>
              {unfiled.length === 0 && <p>{t("fileNothingToAdd")}</p>}
              {issued.total > unfiled.length && <p>{t("fileFirstShown", { n: unfiled.length, total: issued.total })}</p>}
              {batches && batches.length > 0 && (
                <>
                  <p>{t("fileBatches")}</p>
                  <ul data-testid="unfiled-batches">
                    {batches.map((b) => (
                      <BatchFiling
                        key={b.id}
                        batch={b}
                        title={title}
                        busy={busy}
                        file={() =>
                          act(
                            () => api.post(`${path}/documents`, { batch_id: b.id }),
                            t("fileAdded", { n: b.letters }),
                          )
                        }
                      />
                    ))}
                  </ul>
                </>
              )}
              {unfiled.length > 0 && (
                <>
                  <ChoosingTable selection={selection} headers={[t("numberNotation"), t("type"), t("issuedOnShort")]}>
                    {unfiled.map((d) => (
                      <tr key={d.id} data-testid="unfiled-row">
                        <td>
                          <input
                            type="checkbox"
                            aria-label={`${t("select")}: ${d.notation ?? d.id}`}
                            checked={selection.has(d.id)}
                            onChange={() => selection.toggle(d.id)}
                          />
                        </td>
                        <td>
                          <Link to={`/documents/${d.id}`}>{d.notation}</Link>
                        </td>
                        <td>{title(d.template)}</td>
                        <td>{dateText(d.issued_on)}</td>
                      </tr>
                    ))}
                  </ChoosingTable>
                  <p className="buttons">
                    <button
                      type="button"
                      disabled={busy || ids.length === 0}
                      onClick={() =>
                        act(
                          () => api.post(`${path}/documents`, { document_ids: ids }),
                          t("fileAdded", { n: ids.length }),
                          (err) => namingDocuments(err, ids, unfiled),
                        )
                      }
                    >
                      {t("fileAddButton", { n: ids.length })}
                    </button>
                  </p>
                </>
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}

/** A batch of the body with issued letters in no hồ sơ yet (``GET /records/{code}/batches``): when every letter can be
 * filed, all of them at once, in class-list order (the API's ``batch_id``), however many; else, what stands in the way. */
function BatchFiling({ batch, title, busy, file }: { batch: BatchToFile; title: (id: string) => string; busy: boolean; file: () => void }) {
  const { t } = useI18n();
  const about = { title: title(batch.template), name: batch.class_name ?? "", date: dateText(batch.requested_at) };
  const numbers = { n: batch.to_file, first: batch.first ?? "", last: batch.last ?? "" };
  return (
    <li data-testid="unfiled-batch">
      {t(batch.class_name ? "fileBatchOf" : "fileBatchOn", about)}: {t("fileBatchLine", numbers)}{" "}
      {batch.whole ? (
        <button type="button" disabled={busy} onClick={file}>
          {t("fileBatchButton", { n: batch.letters })}
        </button>
      ) : (
        <span className="hint">{t("fileBatchPartly", { n: batch.letters - batch.to_file, total: batch.letters })}</span>
      )}
    </li>
  );
}
