import type { ArchiveMetadata } from "../api";
import { dateText } from "../format";
import { useI18n } from "../i18n";

/** An issued document's archive metadata (NĐ 30/2020 Phụ lục VI), as the API gives it. */
export default function ArchiveMetadataList({ metadata }: { metadata: ArchiveMetadata | null | undefined }) {
  const { t } = useI18n();
  if (!metadata) return <p>{t("archiveNone")}</p>;
  const retention =
    metadata.retention_years === null ? t("permanent") : t("years", { n: metadata.retention_years });
  return (
    <dl className="meta" data-testid="archive-metadata">
      <dt>{t("fileCode")}</dt>
      <dd>{metadata.file_code ?? t("notFiled")}</dd>
      {metadata.doc_ordinal !== null && (
        <>
          <dt>{t("docOrdinal")}</dt>
          <dd>{metadata.doc_ordinal}</dd>
        </>
      )}
      <dt>{t("typeName")}</dt>
      <dd>{metadata.type_name}</dd>
      <dt>{t("codeNumber")}</dt>
      <dd>{metadata.code_number}</dd>
      <dt>{t("codeNotation")}</dt>
      <dd>{metadata.code_notation}</dd>
      <dt>{t("issuedOn")}</dt>
      <dd>{dateText(metadata.issued_date)}</dd>
      <dt>{t("organName")}</dt>
      <dd>{metadata.organ_name}</dd>
      <dt>{t("subject")}</dt>
      <dd>{metadata.subject}</dd>
      <dt>{t("docLanguage")}</dt>
      <dd>{metadata.language}</dd>
      <dt>{t("pageAmount")}</dt>
      <dd>{metadata.page_amount}</dd>
      <dt>{t("signerInfo")}</dt>
      <dd>
        {metadata.signers
          .map((s) => [s.competence, s.position, s.full_name].filter((part) => part).join(" "))
          .join("; ")}
      </dd>
      <dt>{t("recipientsTo")}</dt>
      <dd>{metadata.to.join("; ")}</dd>
      <dt>{t("priority")}</dt>
      <dd>{metadata.priority}</dd>
      <dt>{t("issuedAmount")}</dt>
      <dd>{metadata.issued_amount}</dd>
      <dt>{t("retention")}</dt>
      <dd>{retention}</dd>
    </dl>
  );
}
