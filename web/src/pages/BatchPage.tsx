import "./batch-admin.css";
import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, ApiError, type BatchOut, type Job } from "../api";
import DataTable from "../components/DataTable";
import ErrorBox, { FormErrorBox } from "../components/ErrorBox";
import { FileField, SelectField } from "../components/Field";
import { followJob } from "../components/followJob";
import Notice from "../components/Notice";
import { templateChoices } from "../components/templateChoices";
import { useFetch } from "../components/useFetch";
import TemplateForm, { useTemplateForm } from "../forms/TemplateForm";
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

/** A class list in, documents out: download an empty list, upload a filled one, see each bad row (row, column,
 * reason) before anything is numbered, choose to reject or skip, follow the progress, download the results. */
export default function BatchPage() {
  const { t, lang, errorText, statusText } = useI18n();
  const { data: templates, error: listError } = useFetch<ListTemplate[]>("/api/v1/batches/templates");
  const [templateId, setTemplateId] = useState("");
  const template = templates?.find((x) => x.id === templateId) ?? null;
  const form = useTemplateForm(template, (p) => p.path.startsWith("data"));
  const [file, setFile] = useState<File | null>(null);
  const [fileMissing, setFileMissing] = useState(false);
  const [startError, setStartError] = useState<unknown>(null); // shown by the button that asked
  const [starting, setStarting] = useState(false);
  const busy = form.busy || starting;
  const [report, setReport] = useState<Report | null>(null);
  const [onError, setOnError] = useState<"reject" | "skip">("reject");
  const [job, setJob] = useState<Job | null>(null);
  const [batch, setBatch] = useState<BatchOut | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const reportHeading = useRef<HTMLHeadingElement>(null);
  const [params, setParams] = useSearchParams(); // the batch under way, in the address: a reload finds it again

  useEffect(() => {
    const batchId = params.get("batch");
    const jobId = params.get("job");
    if (batchId && jobId) void follow(batchId, jobId);
    // once, when the page opens
  }, []);

  async function follow(batchId: string, jobId: string) {
    try {
      await followJob(jobId, setJob);
      setBatch(await api.get<BatchOut>(`/api/v1/batches/${batchId}`));
    } catch (err) {
      setStartError(err);
    }
  }

  useEffect(() => setReport(null), [template]);

  useEffect(() => {
    if (report) reportHeading.current?.focus();
  }, [report]);

  function body(batchData: Data): FormData {
    const out = new FormData();
    out.append("file", file!);
    out.append("template", templateId);
    out.append("data", JSON.stringify(batchData));
    return out;
  }

  async function check(formData: Data) {
    form.setData(formData);
    form.clear();
    setReport(null);
    if (!file) {
      setFileMissing(true);
      fileInput.current?.focus();
      return;
    }
    await form.send(async () => setReport(await api.post<Report>("/api/v1/batches:check", body(formData))));
  }

  async function start() {
    setStarting(true);
    setStartError(null);
    try {
      const started = body(form.data);
      started.append("on_error", onError);
      const accepted = await api.post<{ id: string; job_id: string }>("/api/v1/batches", started);
      setParams({ batch: accepted.id, job: accepted.job_id }, { replace: true });
      await follow(accepted.id, accepted.job_id);
    } catch (err) {
      setStartError(err);
    } finally {
      setStarting(false);
    }
  }

  function again() {
    setParams({}, { replace: true });
    setJob(null);
    setBatch(null);
    setReport(null);
    setFile(null);
    form.clear();
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
          <SelectField
            id="batch-template"
            className="narrow"
            label={t("batchTemplate")}
            value={templateId}
            onChange={setTemplateId}
            prompt={t("chooseTemplatePrompt")}
            choices={templateChoices(templates, (x) => `${x.title} — ${t(x.per_row ? "batchPerRow" : "batchWhole")}`)}
          />
          {template && (
            <>
              <p>
                <a className="button" href={`/api/v1/batches/templates/${template.id}/class-list.xlsx`} download>
                  {t("emptyList")}
                </a>{" "}
                <span className="hint">{t("emptyListColumns", { columns: template.columns.join(", ") })}</span>
              </p>
              <FileField
                id="class-list"
                inputRef={fileInput}
                label={t("classListFile")}
                accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
                error={fileMissing ? t("classListMissing") : undefined}
                onChange={(f) => {
                  setFile(f);
                  setFileMissing(false);
                  setReport(null);
                }}
              />
              <FormErrorBox problems={form.problems} error={form.error} />
              <h2>{t("batchDataTitle")}</h2>
              <TemplateForm form={form} template={template} onSubmit={check} submitLabel={busy && !report ? t("checking") : t("checkButton")} busy={busy} />
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
                <DataTable
                  className="row-problems"
                  caption={t("badRowsCaption")}
                  showCaption
                  rows={report.problems}
                  rowKey={(_, i) => i}
                  columns={[
                    { header: t("reportRow"), cell: (p) => p.row },
                    { header: t("reportColumn"), cell: (p) => p.column },
                    { header: t("reportReason"), cell: (p) => (lang === "vi" ? p.reason_vi : p.reason) },
                  ]}
                />
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
          <Notice text={t("batchDone", { done: batch.progress.done })} />
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
          <DataTable
            rows={batch.documents}
            rowKey={(d) => d.id}
            columns={[
              { header: t("reportRow"), cell: (d) => d.row ?? "" },
              { header: t("numberNotation"), cell: (d) => <Link to={`/documents/${d.id}`}>{d.notation ?? t("open")}</Link> },
              { header: t("studentName"), cell: (d) => d.name ?? "" },
              { header: t("status"), cell: (d) => statusText(d.status) },
            ]}
          />
          <button type="button" onClick={again}>
            {t("newBatch")}
          </button>
        </div>
      )}
    </section>
  );
}
