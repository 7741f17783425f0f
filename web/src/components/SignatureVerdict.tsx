import type { SignatureReport, VerificationReport } from "../api";
import { dateTimeText } from "../format";
import { useI18n } from "../i18n";

/** A verification report in plain words: the verdict first, then each signature (who, when, level, intact,
 * changes after signing, trust, revocation). The verify page and a document's page show the same. */
export default function SignatureVerdict({ report }: { report: VerificationReport }) {
  const { t } = useI18n();
  if (report.signatures.length === 0) return <p>{t("noSignatures")}</p>;
  return (
    <div className="verdict">
      <p className={report.ok ? "verdict-ok" : "verdict-bad"} role="status" data-testid="verdict">
        {t(report.ok ? "verdictValid" : "verdictInvalid")}
      </p>
      <ol className="signatures">
        {report.signatures.map((s) => (
          <li key={s.field} className={s.ok ? "sig-ok" : "sig-bad"}>
            <Signature s={s} />
          </li>
        ))}
      </ol>
    </div>
  );
}

function Signature({ s }: { s: SignatureReport }) {
  const { t } = useI18n();
  const timestamp = s.kind === "document timestamp";
  const changes = s.covers_whole_file ? "noChangeAfter" : s.later_changes_allowed ? "allowedChangeAfter" : "forbiddenChangeAfter";
  const revocation = s.revocation === "good" ? "revocationGood" : s.revocation === "revoked" ? "revocationRevoked" : "revocationUnknown";
  return (
    <>
      <h3>
        {timestamp ? t("documentTimestamp") : `${t("signatureOf")}: ${s.signer}`}{" "}
        <span className="badge">{t(s.ok ? "signatureValid" : "signatureInvalid")}</span>
      </h3>
      <dl>
        {!timestamp && (
          <>
            <dt>{t("signedBy")}</dt>
            <dd>{s.signer}</dd>
            <dt>{t("organisation")}</dt>
            <dd>{s.organisation}</dd>
          </>
        )}
        {s.signing_time && (
          <>
            <dt>{t("signedAt")}</dt>
            <dd>{dateTimeText(s.signing_time)}</dd>
          </>
        )}
        {s.timestamp_time && (
          <>
            <dt>{t("timestampAt")}</dt>
            <dd>{dateTimeText(s.timestamp_time)}</dd>
          </>
        )}
        <dt>{t("level")}</dt>
        <dd>{s.level}</dd>
      </dl>
      <ul className="facts">
        <li>{t(s.intact ? "intactYes" : "intactNo")}</li>
        <li>{t(changes)}</li>
        <li>{t(s.trusted ? "trustedYes" : "trustedNo")}</li>
        <li>{t(revocation)}</li>
      </ul>
    </>
  );
}
