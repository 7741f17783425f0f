import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import type { DocumentOut, TemplateSummary } from "../api";
import { useI18n } from "../i18n";
import DataTable, { type Column } from "./DataTable";
import { templateTitle } from "./templateChoices";

/** One column after the number and the type: its heading and what a document shows in it. */
export type DocumentColumn = Column<DocumentOut>;

/** A table of documents: the number and notation (a link to the document), the type's title, then the given
 * columns. `linkText` names a document that has no notation yet; `className`/`testId` mark the table. */
export default function DocumentTable({
  items,
  templates,
  columns,
  linkText = (d) => d.notation,
  className,
  testId,
}: {
  items: DocumentOut[];
  templates: TemplateSummary[] | null | undefined;
  columns: DocumentColumn[];
  linkText?: (d: DocumentOut) => ReactNode;
  className?: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const title = (id: string) => templateTitle(templates, id);
  const first: DocumentColumn[] = [
    { header: t("numberNotation"), cell: (d) => <Link to={`/documents/${d.id}`}>{linkText(d)}</Link> },
    { header: t("type"), cell: (d) => title(d.template) },
  ];
  return <DataTable columns={[...first, ...columns]} rows={items} rowKey={(d) => d.id} className={className} testId={testId} />;
}
