import { useState } from "react";
import { Link } from "react-router-dom";
import { api, ApiError, type DocumentOut, type Job, type TemplateOut, type TemplateSummary } from "../api";
import DocumentPages from "../components/DocumentPages";
import ErrorBox, { FormErrorBox } from "../components/ErrorBox";
import { SelectField } from "../components/Field";
import { followJob } from "../components/followJob";
import Notice from "../components/Notice";
import SubmitPanel from "../components/SubmitPanel";
import { templateChoices } from "../components/templateChoices";
import { useFetch } from "../components/useFetch";
import TemplateForm, { useTemplateForm } from "../forms/TemplateForm";
import { useI18n } from "../i18n";

type Data = Record<string, unknown>;

function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context; a LAN may be http
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Pick a template, fill its generated form (pre-filled from its example), send it; follow the job until the
 * document is made; a review document's draft is shown before it is sent to the chosen signers. */
export default function NewDocumentPage() {
  const { t, errorText } = useI18n();
  const { data: templates, error: listError } = useFetch<TemplateSummary[]>("/api/v1/templates");
  const [templateId, setTemplateId] = useState("");
  const { data: template } = useFetch<TemplateOut>(templateId ? `/api/v1/templates/${templateId}` : null);
  const chosen = template && template.id === templateId ? template : null; // the last one's stays while the next loads
  const form = useTemplateForm(chosen);
  const [job, setJob] = useState<Job | null>(null);
  const [doc, setDoc] = useState<DocumentOut | null>(null);
  const [submitted, setSubmitted] = useState<DocumentOut | null>(null);
  const [review, setReview] = useState(false); // a direct template may still go through a draft and its signers
  const shown = submitted ?? doc;

  function create(formData: Data) {
    if (!chosen) return;
    return form.send(async () => {
      const accepted = await api.post<{ id: string; job_id: string }>(
        "/api/v1/documents",
        { template: chosen.id, data: formData, ...(review && chosen.workflow === "direct" ? { workflow: "review" } : {}) },
        { "Idempotency-Key": idempotencyKey() },
      );
      await followJob(accepted.job_id, setJob, 500);
      setDoc(await api.get<DocumentOut>(`/api/v1/documents/${accepted.id}`));
    });
  }

  const jobText = job && t(({ queued: "jobQueued", running: "jobRunning", succeeded: "jobSucceeded", failed: "jobFailed" } as const)[job.status as "queued"] ?? "jobRunning");

  return (
    <section>
      <h1>{t("newTitle")}</h1>
      <ErrorBox error={listError} />
      {!job && (
        <>
          <SelectField
            id="template"
            className="narrow"
            label={t("chooseTemplate")}
            value={templateId}
            onChange={(id) => {
              setTemplateId(id);
              setReview(false);
            }}
            prompt={t("chooseTemplatePrompt")}
            choices={templateChoices(templates)}
          />
          {chosen && (
            <>
              <p>{t("formIntro")}</p>
              {chosen.workflow === "direct" && (
                <p className="checkbox">
                  <input id="review" type="checkbox" checked={review} onChange={(e) => setReview(e.target.checked)} />
                  <label htmlFor="review">{t("askReview")}</label>
                </p>
              )}
              <FormErrorBox problems={form.problems} error={form.error} />
              <TemplateForm form={form} template={chosen} onSubmit={create} submitLabel={form.busy ? t("creating") : t("createButton")} />
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
      <ErrorBox error={job ? form.error : null} />
      {shown && (
        <div className="result">
          {submitted ? (
            <Notice text={t("submitted")} />
          ) : shown.status === "draft" ? (
            <>
              <Notice text={t("draftReady")} />
              <SubmitPanel doc={shown} onSubmitted={setSubmitted} />
              <DocumentPages doc={shown} />
            </>
          ) : (
            shown.status === "issued" && <Notice text={t("issuedReady")} />
          )}
          <p>
            <Link to={`/documents/${shown.id}`}>{t("viewDocument")}</Link>
          </p>
        </div>
      )}
    </section>
  );
}
