import type { DocumentOut } from "../api";
import { useI18n } from "../i18n";
import { useFetch } from "./useFetch";

/** The document's pages as pictures (the service draws them from the PDF as it is now: draft, signed, issued). */
export default function DocumentPages({ doc }: { doc: DocumentOut }) {
  const { t } = useI18n();
  const { data } = useFetch<{ pages: number }>(doc.pdf_sha256 ? `/api/v1/documents/${doc.id}/pages?v=${doc.pdf_sha256}` : null);
  if (!doc.pdf_sha256) return <p>{t("noPdfYet")}</p>;
  const count = data?.pages ?? 0;
  return (
    <div className="pages">
      {Array.from({ length: count }, (_, i) => (
        <img
          key={`${doc.pdf_sha256}-${i}`}
          src={`/api/v1/documents/${doc.id}/preview.png?page=${i + 1}&v=${(doc.pdf_sha256 ?? "").slice(0, 12)}`}
          alt={t("pageAlt", { n: i + 1 })}
          loading="lazy"
          width={661}
          height={935}
        />
      ))}
    </div>
  );
}
