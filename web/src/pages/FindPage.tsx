import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import type { DocumentOut, TemplateSummary } from "../api";
import DateInput from "../components/DateInput";
import DocumentTable from "../components/DocumentTable";
import ErrorBox from "../components/ErrorBox";
import { Field, SelectField } from "../components/Field";
import { templateChoices } from "../components/templateChoices";
import { useFetch } from "../components/useFetch";
import { dateText } from "../format";
import { useI18n } from "../i18n";
import { signerNames } from "../signatures";

const FIELDS = ["q", "notation", "template", "issued_from", "issued_to", "signer"] as const;

/** Find issued documents (tra cứu): by number and notation, type, days of issue (dd/mm/yyyy), signer and any name
 * in their data, accents optional; the question stays in the address (back and forward work). */
export default function FindPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState<Record<string, string>>(() => Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ""])));
  const asked = FIELDS.some((f) => params.get(f));
  const query = new URLSearchParams();
  for (const f of FIELDS) if (params.get(f)) query.set(f, params.get(f)!);
  const { data, error } = useFetch<{ items: DocumentOut[]; total: number }>(asked ? `/api/v1/search?${query}` : null);
  const { data: templates } = useFetch<TemplateSummary[]>("/api/v1/templates");

  function find(e: FormEvent) {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const f of FIELDS) if (draft[f].trim()) p.set(f, draft[f].trim());
    setParams(p);
  }
  const text = (f: (typeof FIELDS)[number], label: string, hint?: string) => (
    <Field id={`find-${f}`} label={label}>
      <input id={`find-${f}`} value={draft[f]} aria-describedby={hint ? `find-${f}-hint` : undefined} onChange={(e) => setDraft({ ...draft, [f]: e.target.value })} />
      {hint && (
        <span id={`find-${f}-hint`} className="hint">
          {hint}
        </span>
      )}
    </Field>
  );

  return (
    <section>
      <h1>{t("findTitle")}</h1>
      <form onSubmit={find} className="filters" role="search" aria-label={t("findTitle")}>
        {text("q", t("findWords"), t("findWordsHint"))}
        {text("notation", t("numberNotation"))}
        <SelectField id="find-template" label={t("type")} value={draft.template} onChange={(v) => setDraft({ ...draft, template: v })} prompt={t("any")} choices={templateChoices(templates)} />
        <DateInput id="find-from" label={t("issuedFrom")} value={draft.issued_from} onChange={(v) => setDraft({ ...draft, issued_from: v })} />
        <DateInput
          id="find-to"
          label={t("issuedTo")}
          value={draft.issued_to}
          onChange={(v) => setDraft({ ...draft, issued_to: v })}
          error={error && (error as { errors?: { path: string }[] }).errors?.some((e) => e.path === "issued_to") ? t("badDate") : undefined}
        />
        {text("signer", t("findSigner"))}
        <div className="buttons">
          <button type="submit">{t("findButton")}</button>
        </div>
      </form>
      <ErrorBox error={error} />
      {data && (
        <p role="status">
          {data.total === 0
            ? t("foundNone")
            : data.total > data.items.length
              ? t("foundShown", { total: data.total, shown: data.items.length })
              : t("foundCount", { total: data.total })}
        </p>
      )}
      {data && data.items.length > 0 && (
        <DocumentTable
          items={data.items}
          templates={templates}
          testId="found"
          columns={[
            { header: t("issuedOn"), cell: (d) => dateText(d.issued_on) },
            { header: t("signer"), cell: (d) => [signerNames(d), d.signer].filter(Boolean).join(", ") },
          ]}
        />
      )}
    </section>
  );
}
