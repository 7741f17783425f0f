import { useParams } from "react-router-dom";
import type { DocumentOut, HistoryEntry, TemplateSummary, VerificationReport } from "../api";
import DataTable from "../components/DataTable";
import ArchiveMetadataList from "../components/ArchiveMetadataList";
import DocumentPages from "../components/DocumentPages";
import ErrorBox from "../components/ErrorBox";
import SignatureVerdict from "../components/SignatureVerdict";
import SubmitPanel from "../components/SubmitPanel";
import { useFetch } from "../components/useFetch";
import { useSignerNames } from "../components/useSignerNames";
import { dateText, dateTimeText } from "../format";
import { useI18n } from "../i18n";
import { useSession } from "../session";

/** One document: its details, its pages, downloads, its signatures in words and its history. A requester may send
 * a draft (or a rejected document) for signature from here. */
export default function DocumentPage() {
  const { id = "" } = useParams();
  const { t, statusText, actionText } = useI18n();
  const { hasRole, user } = useSession();
  const { data: doc, error, reload } = useFetch<DocumentOut>(`/api/v1/documents/${id}`);
  const version = doc ? `${doc.status}-${doc.pdf_sha256 ?? ""}` : null;
  const { data: templates } = useFetch<TemplateSummary[]>("/api/v1/templates");
  const signerName = useSignerNames();
  const { data: report } = useFetch<VerificationReport>(version ? `/api/v1/documents/${id}/signatures?v=${version}` : null);
  const { data: history } = useFetch<HistoryEntry[]>(version ? `/api/v1/documents/${id}/history?v=${version}` : null);

  if (error) return <ErrorBox error={error} />;
  if (!doc) return <p role="status">{t("loading")}</p>;
  const title = templates?.find((x) => x.id === doc.template)?.title ?? doc.template;
  const canSubmit = doc.workflow === "review" && ["draft", "rejected"].includes(doc.status) && hasRole("requester", "admin");

  return (
    <article>
      <h1>
        {title} {doc.notation && <span className="notation">{doc.notation}</span>}
      </h1>
      <section aria-labelledby="meta">
        <h2 id="meta">{t("metadata")}</h2>
        <dl className="meta">
          <dt>{t("status")}</dt>
          <dd>
            <span className={`status status-${doc.status}`} data-testid="status">
              {statusText(doc.status)}
            </span>
          </dd>
          <dt>{t("numberNotation")}</dt>
          <dd>{doc.notation ?? "—"}</dd>
          <dt>{t("template")}</dt>
          <dd>{title}</dd>
          <dt>{t("workflow")}</dt>
          <dd>{t(doc.workflow === "review" ? "workflowReview" : "workflowDirect")}</dd>
          <dt>{t("requestedAt")}</dt>
          <dd>{dateTimeText(doc.created_at)}</dd>
          {doc.issued_on && (
            <>
              <dt>{t("issuedOn")}</dt>
              <dd>{dateText(doc.issued_on)}</dd>
            </>
          )}
          {doc.signers.length > 0 && (
            <>
              <dt>{t("signers")}</dt>
              <dd>{doc.signers.map(signerName).join(", ")}</dd>
            </>
          )}
          {doc.rejection && (
            <>
              <dt>{t("rejected")}</dt>
              <dd>
                {t("reason")}: {doc.rejection.reason}
              </dd>
            </>
          )}
        </dl>
      </section>
      {doc.status === "issued" && (
        <section aria-labelledby="archive">
          <h2 id="archive">{t("archiveTitle")}</h2>
          {/* a partner body's signer sees the code: the hồ sơ is the issuing body's, which the API shows only to it */}
          <ArchiveMetadataList metadata={doc.metadata} fileLinked={hasRole("admin") || user?.organisation === doc.organisation} />
        </section>
      )}
      <section aria-labelledby="downloads">
        <h2 id="downloads">{t("downloads")}</h2>
        <p className="buttons">
          {doc.pdf_sha256 && (
            <a className="button" href={`/api/v1/documents/${doc.id}/pdf`} download>
              {t("downloadPdf")}
            </a>
          )}
          {(doc.docx_sha256 || doc.notation) && (
            <a className="button" href={`/api/v1/documents/${doc.id}/docx`} download>
              {t("downloadDocx")}
            </a>
          )}
        </p>
      </section>
      {canSubmit && <SubmitPanel doc={doc} onSubmitted={reload} />}
      <section aria-labelledby="sigs">
        <h2 id="sigs">{t("signaturesTitle")}</h2>
        {report ? <SignatureVerdict report={report} /> : <p role="status">{t("loading")}</p>}
      </section>
      <section aria-labelledby="pages">
        <h2 id="pages">{t("pages")}</h2>
        <DocumentPages doc={doc} />
      </section>
      <section aria-labelledby="history">
        <h2 id="history">{t("historyTitle")}</h2>
        <DataTable
          rows={history ?? []}
          rowKey={(h) => h.seq}
          columns={[
            { header: t("when"), cell: (h) => dateTimeText(h.at) },
            { header: t("who"), cell: (h) => h.actor },
            {
              header: t("what"),
              cell: (h) => (
                <>
                  {actionText(h.action)}
                  {typeof h.detail.reason === "string" && `: ${h.detail.reason}`}
                  {typeof h.detail.notation === "string" && ` ${h.detail.notation}`}
                </>
              ),
            },
          ]}
        />
      </section>
    </article>
  );
}
