import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api, ApiError, type DocumentOut, type FieldProblem, type Job, type TemplateOut, type TemplateSummary } from "../api";
import DocumentPages from "../components/DocumentPages";
import ErrorBox, { FormErrorBox } from "../components/ErrorBox";
import SubmitPanel from "../components/SubmitPanel";
import TemplateOptions from "../components/TemplateOptions";
import { useFetch } from "../components/useFetch";
import SchemaForm from "../forms/SchemaForm";
import { useI18n } from "../i18n";

type Data = Record<string, unknown>;

function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context; a LAN may be http
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pick a template, fill its generated form (pre-filled from its example), send it; follow the job until the
 * document is made; a review document's draft is shown before it is sent to the chosen signers. */
export default function NewDocumentPage() {
  const { t, errorText } = useI18n();
  const { data: templates, error: listError } = useFetch<TemplateSummary[]>("/api/v1/templates");
  const [templateId, setTemplateId] = useState("");
  const { data: template } = useFetch<TemplateOut>(templateId ? `/api/v1/templates/${templateId}` : null);
  const [data, setData] = useState<Data>({});
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<Job | null>(null);
  const [doc, setDoc] = useState<DocumentOut | null>(null);
  const [submitted, setSubmitted] = useState<DocumentOut | null>(null);
  const [review, setReview] = useState(false); // a direct template may still go through a draft and its signers

  useEffect(() => {
    if (template && template.id === templateId) setData(structuredClone(template.example));
  }, [template, templateId]);

  async function create(formData: Data) {
    if (!template) return;
    setBusy(true);
    setError(null);
    setProblems([]);
    try {
      const accepted = await api.post<{ id: string; job_id: string }>(
        "/api/v1/documents",
        { template: template.id, data: formData, ...(review && template.workflow === "direct" ? { workflow: "review" } : {}) },
        { "Idempotency-Key": idempotencyKey() },
      );
      let current = await api.get<Job>(`/api/v1/jobs/${accepted.job_id}`);
      setJob(current);
      while (current.status === "queued" || current.status === "running") {
        await sleep(500);
        current = await api.get<Job>(`/api/v1/jobs/${accepted.job_id}`);
        setJob(current);
      }
      setDoc(await api.get<DocumentOut>(`/api/v1/documents/${accepted.id}`));
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setProblems(err.errors);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const jobText = job && t(({ queued: "jobQueued", running: "jobRunning", succeeded: "jobSucceeded", failed: "jobFailed" } as const)[job.status as "queued"] ?? "jobRunning");

  return (
    <section>
      <h1>{t("newTitle")}</h1>
      <ErrorBox error={listError} />
      {!job && (
        <>
          <div className="field narrow">
            <label htmlFor="template">{t("chooseTemplate")}</label>
            <select
              id="template"
              value={templateId}
              onChange={(e) => {
                setTemplateId(e.target.value);
                setReview(false);
              }}
            >
              <TemplateOptions templates={templates} prompt={t("chooseTemplatePrompt")} />
            </select>
          </div>
          {template && template.id === templateId && (
            <>
              <p>{t("formIntro")}</p>
              {template.workflow === "direct" && (
                <p className="checkbox">
                  <input id="review" type="checkbox" checked={review} onChange={(e) => setReview(e.target.checked)} />
                  <label htmlFor="review">{t("askReview")}</label>
                </p>
              )}
              <FormErrorBox problems={problems} error={error} />
              <div className="schema-form">
                <SchemaForm
                  key={template.id}
                  schema={template.schema}
                  data={data}
                  onChange={setData}
                  onSubmit={create}
                  problems={problems}
                  submitLabel={busy ? t("creating") : t("createButton")}
                  busy={busy}
                />
              </div>
            </>
          )}
        </>
      )}
      {job && (
        <div className="progress" aria-live="polite">
          <label htmlFor="job-progress">
            {t("progress")}: {jobText}
          </label>
          <progress id="job-progress" max={job.progress.total || 1} value={job.progress.done} />
          {job.status === "failed" && (
            <p className="error" role="alert">
              {job.error ? errorText(new ApiError(500, "job", job.error.message ?? "", job.error.message_vi ?? job.error.message ?? "")) : t("jobFailed")}
            </p>
          )}
        </div>
      )}
      <ErrorBox error={job ? error : null} />
      {doc && !submitted && (
        <div className="result">
          {doc.status === "draft" ? (
            <>
              <p className="notice" role="status">
                {t("draftReady")}
              </p>
              <SubmitPanel doc={doc} onSubmitted={setSubmitted} />
              <DocumentPages doc={doc} />
            </>
          ) : (
            doc.status === "issued" && (
              <p className="notice" role="status">
                {t("issuedReady")}
              </p>
            )
          )}
          <p>
            <Link to={`/documents/${doc.id}`}>{t("viewDocument")}</Link>
          </p>
        </div>
      )}
      {submitted && (
        <div className="result">
          <p className="notice" role="status">
            {t("submitted")}
          </p>
          <p>
            <Link to={`/documents/${submitted.id}`}>{t("viewDocument")}</Link>
          </p>
        </div>
      )}
    </section>
  );
}
