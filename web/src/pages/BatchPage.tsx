import "./batch-admin.css";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { api, ApiError, type FieldProblem, type Job } from "../api";
import ErrorBox, { FormErrorBox } from "../components/ErrorBox";
import { followJob } from "../components/followJob";
import { useFetch } from "../components/useFetch";
import SchemaForm from "../forms/SchemaForm";
import { useI18n } from "../i18n";

type Data = Record<string, unknown>;

interface ListTemplate {
  id: string;
  title: string;
  per_row: boolean;
  columns: string[];
  schema: Record<string, unknown>;
  example: Data;
}

interface RowProblem {
  row: number;
  column: string;
  reason: string;
  reason_vi: string;
}

interface Report {
  rows: number;
  valid: number;
  skipped_empty: number;
  problems: RowProblem[];
}

interface BatchOut {
  id: string;
  job_id: string;
  status: string;
  progress: { done: number; total: number };
  documents: { id: string; row: number | null; number: number | null; notation: string | null; status: string; name: string | null }[];
}

/** A class list in, documents out: download an empty list, upload a filled one, see each bad row (row, column,
 * reason) before anything is numbered, choose to reject or skip, follow the progress, download the results. */
export default function BatchPage() {
  const { t, lang, errorText, statusText } = useI18n();
  const { data: templates, error: listError } = useFetch<ListTemplate[]>("/api/v1/batches/templates");
  const [templateId, setTemplateId] = useState("");
  const template = templates?.find((x) => x.id === templateId) ?? null;
  const [data, setData] = useState<Data>({});
  const [file, setFile] = useState<File | null>(null);
  const [fileMissing, setFileMissing] = useState(false);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [startError, setStartError] = useState<unknown>(null); // shown by the button that asked
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [onError, setOnError] = useState<"reject" | "skip">("reject");
  const [job, setJob] = useState<Job | null>(null);
  const [batch, setBatch] = useState<BatchOut | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const reportHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (template) setData(structuredClone(template.example));
    setReport(null);
  }, [template]);

  useEffect(() => {
    if (report) reportHeading.current?.focus();
  }, [report]);

  function form(batchData: Data): FormData {
    const body = new FormData();
    body.append("file", file!);
    body.append("template", templateId);
    body.append("data", JSON.stringify(batchData));
    return body;
  }

  function failed(err: unknown) {
    if (err instanceof ApiError && err.status === 422) setProblems(err.errors.filter((e) => e.path.startsWith("data")));
    setError(err);
  }

  async function check(formData: Data) {
    setData(formData);
    setError(null);
    setProblems([]);
    setReport(null);
    if (!file) {
      setFileMissing(true);
      fileInput.current?.focus();
      return;
    }
    setBusy(true);
    try {
      setReport(await api.post<Report>("/api/v1/batches:check", form(formData)));
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
    }
  }

  async function start() {
    setBusy(true);
    setStartError(null);
    try {
      const body = form(data);
      body.append("on_error", onError);
      const accepted = await api.post<{ id: string; job_id: string }>("/api/v1/batches", body);
      await followJob(accepted.job_id, setJob);
      setBatch(await api.get<BatchOut>(`/api/v1/batches/${accepted.id}`));
    } catch (err) {
      setStartError(err);
    } finally {
      setBusy(false);
    }
  }

  function again() {
    setJob(null);
    setBatch(null);
    setReport(null);
    setFile(null);
    setError(null);
    setStartError(null);
    if (fileInput.current) fileInput.current.value = "";
  }

  const bad = report ? new Set(report.problems.map((p) => p.row)).size : 0;

  return (
    <section>
      <h1>{t("batchTitle")}</h1>
      <ErrorBox error={listError} />
      {!job && (
        <>
          <p>{t("batchIntro")}</p>
          <div className="field narrow">
            <label htmlFor="batch-template">{t("batchTemplate")}</label>
            <select id="batch-template" value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
              <option value="">{t("chooseTemplatePrompt")}</option>
              {(templates ?? []).map((x) => (
                <option key={x.id} value={x.id}>
                  {x.title} — {t(x.per_row ? "batchPerRow" : "batchWhole")}
                </option>
              ))}
            </select>
          </div>
          {template && (
            <>
              <p>
                <a className="button" href={`/api/v1/batches/templates/${template.id}/class-list.xlsx`} download>
                  {t("emptyList")}
                </a>{" "}
                <span className="hint">{t("emptyListColumns", { columns: template.columns.join(", ") })}</span>
              </p>
              <div className="field">
                <label htmlFor="class-list">{t("classListFile")}</label>
                <input
                  id="class-list"
                  ref={fileInput}
                  type="file"
                  accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
                  aria-invalid={fileMissing}
                  aria-describedby={fileMissing ? "class-list-error" : undefined}
                  onChange={(e) => {
                    setFile(e.target.files?.[0] ?? null);
                    setFileMissing(false);
                    setReport(null);
                  }}
                />
                {fileMissing && (
                  <span id="class-list-error" className="field-error">
                    {t("classListMissing")}
                  </span>
                )}
              </div>
              <FormErrorBox problems={problems} error={error} />
              <h2>{t("batchDataTitle")}</h2>
              <div className="schema-form">
                <SchemaForm
                  key={template.id}
                  schema={template.schema}
                  data={data}
                  onChange={setData}
                  onSubmit={check}
                  problems={problems}
                  submitLabel={busy && !report ? t("checking") : t("checkButton")}
                  busy={busy}
                />
              </div>
            </>
          )}
          {report && (
            <div className="result">
              <h2 ref={reportHeading} tabIndex={-1}>
                {t("reportTitle")}
              </h2>
              <p role="status">
                {t("reportSummary", { rows: report.rows, valid: report.valid, bad, empty: report.skipped_empty })}
                {report.problems.length === 0 && ` ${t("reportClean")}`}
              </p>
              {report.problems.length > 0 && (
                <div className="table-wrap">
                  <table className="row-problems">
                    <caption>{t("badRowsCaption")}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t("reportRow")}</th>
                        <th scope="col">{t("reportColumn")}</th>
                        <th scope="col">{t("reportReason")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {report.problems.map((p, i) => (
                        <tr key={i}>
                          <td>{p.row}</td>
                          <td>{p.column}</td>
                          <td>{lang === "vi" ? p.reason_vi : p.reason}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {report.problems.length > 0 && (
                <fieldset>
                  <legend>{t("onErrorLegend")}</legend>
                  <label className="choice">
                    <input type="radio" name="on-error" value="reject" checked={onError === "reject"} onChange={() => setOnError("reject")} />{" "}
                    {t("onErrorReject")}
                  </label>
                  <label className="choice">
                    <input type="radio" name="on-error" value="skip" checked={onError === "skip"} onChange={() => setOnError("skip")} />{" "}
                    {t("onErrorSkip")}
                  </label>
                </fieldset>
              )}
              <button type="button" className="primary" disabled={busy || report.valid === 0} onClick={start}>
                {busy ? t("starting") : t("startBatch")}
              </button>
              <ErrorBox error={startError} />
            </div>
          )}
        </>
      )}
      {job && (
        <div className="progress" aria-live="polite">
          <label htmlFor="batch-progress">{t("batchProgress", { done: job.progress.done, total: job.progress.total })}</label>
          <progress id="batch-progress" max={job.progress.total || 1} value={job.progress.done} />
          {job.status === "failed" && (
            <p className="error" role="alert">
              {t("batchFailed")}
              {job.error && `: ${errorText(new ApiError(500, "job", job.error.message ?? "", job.error.message_vi ?? job.error.message ?? ""))}`}
            </p>
          )}
          <ErrorBox error={startError} />
        </div>
      )}
      {batch && (
        <div className="result">
          <p className="notice" role="status">
            {t("batchDone", { done: batch.progress.done })}
          </p>
          {batch.documents.some((d) => d.status === "issued") && (
            <p className="buttons">
              <a className="button" href={`/api/v1/batches/${batch.id}/merged.pdf`} download>
                {t("downloadMerged")}
              </a>
              <a className="button" href={`/api/v1/batches/${batch.id}/archive.zip`} download>
                {t("downloadArchive")}
              </a>
            </p>
          )}
          <h2>{t("batchDocuments")}</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("reportRow")}</th>
                  <th scope="col">{t("numberNotation")}</th>
                  <th scope="col">{t("studentName")}</th>
                  <th scope="col">{t("status")}</th>
                </tr>
              </thead>
              <tbody>
                {batch.documents.map((d) => (
                  <tr key={d.id}>
                    <td>{d.row ?? ""}</td>
                    <td>
                      <Link to={`/documents/${d.id}`}>{d.notation ?? t("open")}</Link>
                    </td>
                    <td>{d.name ?? ""}</td>
                    <td>{statusText(d.status)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button type="button" onClick={again}>
            {t("newBatch")}
          </button>
        </div>
      )}
    </section>
  );
}
