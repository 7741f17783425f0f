import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import type { DocumentList, TemplateSummary } from "../api";
import DateInput from "../components/DateInput";
import DocumentTable from "../components/DocumentTable";
import ErrorBox from "../components/ErrorBox";
import { Field, SelectField } from "../components/Field";
import { templateChoices } from "../components/templateChoices";
import { useFetch } from "../components/useFetch";
import { dateText } from "../format";
import { STATUSES, useI18n } from "../i18n";

const PAGE_SIZE = 20;
const FILTERS = ["status", "template", "notation", "created_from", "created_to"] as const;

/** The documents the person may see, newest first: filters and page in the address (back and forward work). */
export default function DocumentsPage() {
  const { t, statusText } = useI18n();
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState<Record<string, string>>(() => Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])));
  const page = Math.max(1, Number(params.get("page") ?? "1") || 1);
  const pageSize = Math.min(100, Math.max(1, Number(params.get("page_size")) || PAGE_SIZE));
  const query = new URLSearchParams();
  for (const f of FILTERS) if (params.get(f)) query.set(f, params.get(f)!);
  query.set("page", String(page));
  query.set("page_size", String(pageSize));
  const { data, error, loading } = useFetch<DocumentList>(`/api/v1/documents?${query}`);
  const { data: templates } = useFetch<TemplateSummary[]>("/api/v1/templates");
  const pages = data ? Math.max(1, Math.ceil(data.total / pageSize)) : 1;

  function go(next: Record<string, string>, toPage = 1) {
    const p = new URLSearchParams();
    for (const f of FILTERS) if (next[f]) p.set(f, next[f]);
    if (toPage > 1) p.set("page", String(toPage));
    if (pageSize !== PAGE_SIZE) p.set("page_size", String(pageSize));
    setParams(p);
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    go(draft);
  }

  return (
    <section>
      <h1>{t("documentsTitle")}</h1>
      <form onSubmit={apply} className="filters" aria-label={t("filters")}>
        <SelectField
          id="f-status"
          label={t("status")}
          value={draft.status}
          onChange={(v) => setDraft({ ...draft, status: v })}
          prompt={t("any")}
          choices={STATUSES.map((s) => ({ value: s, label: statusText(s) }))}
        />
        <SelectField id="f-template" label={t("type")} value={draft.template} onChange={(v) => setDraft({ ...draft, template: v })} prompt={t("any")} choices={templateChoices(templates)} />
        <Field id="f-notation" label={t("numberNotation")}>
          <input id="f-notation" value={draft.notation} onChange={(e) => setDraft({ ...draft, notation: e.target.value })} />
        </Field>
        <DateInput id="f-from" label={t("dateFrom")} value={draft.created_from} onChange={(v) => setDraft({ ...draft, created_from: v })} />
        <DateInput id="f-to" label={t("dateTo")} value={draft.created_to} onChange={(v) => setDraft({ ...draft, created_to: v })} />
        <div className="buttons">
          <button type="submit">{t("apply")}</button>
          <button
            type="button"
            onClick={() => {
              const empty = Object.fromEntries(FILTERS.map((f) => [f, ""]));
              setDraft(empty);
              go(empty);
            }}
          >
            {t("clear")}
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {loading && !data && <p role="status">{t("loading")}</p>}
      {data && data.items.length === 0 && <p>{t("noDocuments")}</p>}
      {data && data.items.length > 0 && (
        <DocumentTable
          items={data.items}
          templates={templates}
          className="documents"
          linkText={(d) => d.notation ?? `${t("open")} (${d.id.slice(0, 8)})`}
          columns={[
            { header: t("status"), cell: (d) => <span className={`status status-${d.status}`}>{statusText(d.status)}</span> },
            { header: t("date"), cell: (d) => (d.issued_on ? dateText(d.issued_on) : dateText(d.created_at)) },
          ]}
        />
      )}
      {data && (
        <nav className="paging" aria-label={t("pageOf", { page, pages, total: data.total })}>
          <button type="button" disabled={page <= 1} onClick={() => go(Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])), page - 1)}>
            {t("previous")}
          </button>
          <span>{t("pageOf", { page, pages, total: data.total })}</span>
          <button type="button" disabled={page >= pages} onClick={() => go(Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])), page + 1)}>
            {t("next")}
          </button>
        </nav>
      )}
    </section>
  );
}
