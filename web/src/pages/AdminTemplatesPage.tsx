import "./batch-admin.css";
import { useEffect, useState } from "react";
import { api, ApiError, type TemplateSummary } from "../api";
import { TextField } from "../components/AdminFields";
import ErrorBox from "../components/ErrorBox";
import { FileField, SelectField } from "../components/Field";
import Notice from "../components/Notice";
import { templateChoices } from "../components/templateChoices";
import { useFetch } from "../components/useFetch";
import { dateText } from "../format";
import { useI18n } from "../i18n";

interface Version {
  version: string;
  source: string;
  created_at: string | null;
}

interface Details {
  id: string;
  title: string;
  version: string;
  type_abbreviation: string;
  workflow: string;
  placeholders: string[];
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
}

/** The admin's templates: a template's versions, the placeholders its .docx uses, its schema and example, its first
 * page filled with the example; and a new version (or a new template) uploaded. */
export default function AdminTemplatesPage() {
  const { t, lang } = useI18n();
  const [tick, setTick] = useState(0);
  const { data: templates, error: listError } = useFetch<TemplateSummary[]>(`/api/v1/templates?_=${tick}`);
  const [templateId, setTemplateId] = useState("");
  const { data: versions } = useFetch<Version[]>(templateId ? `/api/v1/templates/${templateId}/versions?_=${tick}` : null);
  const [version, setVersion] = useState("");
  const { data: details, error: detailsError } = useFetch<Details>(
    templateId ? `/api/v1/templates/${templateId}/details${version ? `?version=${version}` : ""}` : null,
  );
  const [uploadId, setUploadId] = useState("");
  const [docx, setDocx] = useState<File | null>(null);
  const [schema, setSchema] = useState<File | null>(null);
  const [example, setExample] = useState<File | null>(null);
  const [abbreviation, setAbbreviation] = useState("");
  const [docxMissing, setDocxMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setVersion("");
    if (templateId) setUploadId(templateId);
  }, [templateId]);

  async function upload(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    setNotice("");
    if (!docx) {
      setDocxMissing(true);
      return;
    }
    setBusy(true);
    try {
      const body = new FormData();
      body.append("id", uploadId);
      body.append("docx", docx);
      if (schema) body.append("schema", schema);
      if (example) body.append("example", example);
      if (abbreviation) body.append("type_abbreviation", abbreviation);
      const before = new Set((uploadId === templateId ? (versions ?? []) : []).map((v) => v.version));
      const out = await api.post<{ id: string; version: string }>("/api/v1/templates", body);
      setNotice(t(before.has(out.version) ? "sameVersion" : "uploaded", { id: out.id, version: out.version.slice(0, 12) }));
      setTick((n) => n + 1);
      setTemplateId(out.id);
      setVersion(out.version);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const idError = error instanceof ApiError ? error.errors.find((p) => p.path === "id") : undefined;

  return (
    <section>
      <h1>{t("templatesTitle")}</h1>
      <ErrorBox error={listError} />
      <div className="filters">
        <SelectField
          id="admin-template"
          label={t("templateChoose")}
          value={templateId}
          onChange={setTemplateId}
          prompt={t("chooseTemplatePrompt")}
          choices={templateChoices(templates, (x) => `${x.id} — ${x.title}`)}
        />
        {versions && templateId && (
          <SelectField
            id="admin-version"
            label={t("versions")}
            value={version || details?.version || ""}
            onChange={setVersion}
            choices={versions.map((v) => ({
              value: v.version,
              label: `${v.version.slice(0, 12)} — ${v.source === "shipped" ? t("versionShipped") : t("versionRegistered", { date: dateText(v.created_at) })}`,
            }))}
          />
        )}
      </div>
      <ErrorBox error={detailsError} />
      {details && templateId && (
        <div className="template-details">
          <h2>{t("placeholders")}</h2>
          <ul className="placeholders">
            {details.placeholders.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
          <h2>{t("previewTitle")}</h2>
          <div className="pages">
            <img key={details.version} src={`/api/v1/templates/${details.id}/preview.png?version=${details.version}&page=1`} alt={t("previewAlt", { id: details.id })} />
          </div>
          <details>
            <summary>{t("schema")}</summary>
            <pre className="json">{JSON.stringify(details.schema, null, 2)}</pre>
          </details>
          <details>
            <summary>{t("example")}</summary>
            <pre className="json">{JSON.stringify(details.example, null, 2)}</pre>
          </details>
        </div>
      )}
      <form onSubmit={upload} noValidate aria-labelledby="upload-title">
        <h2 id="upload-title">{t("uploadTitle")}</h2>
        <Notice text={notice} />
        <ErrorBox error={error} />
        <div className="filters">
          <TextField id="upload-id" label="templateId" value={uploadId} onChange={setUploadId} required error={idError && (lang === "vi" ? idError.message_vi : idError.message)} />
          <TextField id="upload-abbreviation" label="typeAbbreviation" value={abbreviation} onChange={setAbbreviation} />
        </div>
        <FileField
          id="upload-docx"
          label={t("docxFile")}
          accept=".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
          onChange={(f) => {
            setDocx(f);
            setDocxMissing(false);
          }}
          error={docxMissing ? t("docxMissing") : undefined}
        />
        <FileField id="upload-schema" label={t("schemaFile")} accept=".json,application/json" onChange={setSchema} />
        <FileField id="upload-example" label={t("exampleFile")} accept=".json,application/json" onChange={setExample} />
        <p>
          <button type="submit" disabled={busy}>
            {busy ? t("uploading") : t("uploadButton")}
          </button>
        </p>
      </form>
    </section>
  );
}
