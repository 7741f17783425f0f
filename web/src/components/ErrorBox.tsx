import { useEffect, useRef } from "react";
import { ApiError } from "../api";
import { useI18n } from "../i18n";

/** An error of the API (or the network) in the chosen language; announced to screen readers and focused. */
export default function ErrorBox({ error }: { error: unknown }) {
  const { errorText, lang } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) box.current?.focus();
  }, [error]);
  if (!error) return null;
  return (
    <div className="error" role="alert" tabIndex={-1} ref={box}>
      {errorText(error)}
      {error instanceof ApiError && error.errors.length > 0 && (
        <ul>
          {error.errors.map((e, i) => (
            <li key={i}>
              {e.path && <code>{e.path}</code>} {lang === "vi" ? e.message_vi : e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A form's error: the call to fix the marked fields while the form has problems, else the API's error. */
export function FormErrorBox({ problems, error }: { problems: readonly unknown[]; error: unknown }) {
  const { t } = useI18n();
  if (problems.length > 0)
    return (
      <p className="error" role="alert">
        {t("fixErrors")}
      </p>
    );
  return <ErrorBox error={error} />;
}
