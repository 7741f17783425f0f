import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import type { DocumentOut, TemplateSummary } from "../api";
import { useI18n } from "../i18n";

/** One column after the number and the type: its heading and what a document shows in it. */
export interface DocumentColumn {
  header: string;
  cell: (d: DocumentOut) => ReactNode;
}

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
  const title = (id: string) => templates?.find((x) => x.id === id)?.title ?? id;
  return (
    <div className="table-wrap">
      <table className={className} data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{t("numberNotation")}</th>
            <th scope="col">{t("type")}</th>
            {columns.map((c) => (
              <th key={c.header} scope="col">
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id}>
              <td>
                <Link to={`/documents/${d.id}`}>{linkText(d)}</Link>
              </td>
              <td>{title(d.template)}</td>
              {columns.map((c) => (
                <td key={c.header}>{c.cell(d)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
