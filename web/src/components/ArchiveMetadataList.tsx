import { Fragment, type ReactNode } from "react";
import { Link } from "react-router-dom";
import type { ArchiveMetadata } from "../api";
import { dateText } from "../format";
import { useI18n, type MessageKey } from "../i18n";

/** An issued document's archive metadata (NĐ 30/2020 Phụ lục VI), as the API gives it: one line per field. Its hồ sơ
 * code links to the hồ sơ's page for those who can open it (``fileLinked``: the issuing body's people, admins). */
export default function ArchiveMetadataList({ metadata, fileLinked }: { metadata: ArchiveMetadata | null | undefined; fileLinked: boolean }) {
  const { t } = useI18n();
  if (!metadata) return <p>{t("archiveNone")}</p>;
  const m = metadata;
  const rows: [MessageKey, ReactNode][] = [
    ["fileCode", !m.file_code ? t("notFiled") : fileLinked ? <Link to={`/records/${encodeURIComponent(m.file_code)}`}>{m.file_code}</Link> : m.file_code],
    ...(m.doc_ordinal !== null ? [["docOrdinal", m.doc_ordinal] as [MessageKey, number]] : []),
    ["typeName", m.type_name],
    ["codeNumber", m.code_number],
    ["codeNotation", m.code_notation],
    ["issuedOn", dateText(m.issued_date)],
    ["organName", m.organ_name],
    ["subject", m.subject],
    ["docLanguage", m.language],
    ["pageAmount", m.page_amount],
    ["signerInfo", m.signers.map((s) => [s.competence, s.position, s.full_name].filter((p) => p).join(" ")).join("; ")],
    ["recipientsTo", m.to.join("; ")],
    ["priority", m.priority],
    ["issuedAmount", m.issued_amount],
    ["retention", m.retention_years === null ? t("permanent") : t("years", { n: m.retention_years })],
  ];
  return (
    <dl className="meta" data-testid="archive-metadata">
      {rows.map(([label, value]) => (
        <Fragment key={label}>
          <dt>{t(label)}</dt>
          <dd>{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
