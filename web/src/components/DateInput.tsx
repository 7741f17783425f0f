import { useEffect, useState } from "react";
import { dateText, isoFromDmy } from "../format";
import { useI18n } from "../i18n";
import { Field } from "./Field";

interface Props {
  id: string;
  label: string;
  value: string; // ISO yyyy-mm-dd, or ""
  onChange: (iso: string) => void;
  required?: boolean;
  error?: string;
  describedBy?: string;
}

/** A date typed as dd/mm/yyyy (what offices write), given to the program as yyyy-mm-dd; a wrong date is said at
 * the field. A text field rather than the browser's date picker, whose format follows the browser's language. */
export default function DateInput({ id, label, value, onChange, required, error, describedBy }: Props) {
  const { t } = useI18n();
  const [text, setText] = useState(dateText(value));
  const [bad, setBad] = useState(false);
  useEffect(() => {
    if (isoFromDmy(text) !== value) setText(dateText(value));
  }, [value]);
  const hint = `${id}-hint`;
  const message = bad ? t("badDate") : error;
  return (
    <Field id={id} label={label} error={message} required={required}>
      <input
        id={id}
        inputMode="numeric"
        placeholder="dd/mm/yyyy"
        value={text}
        required={required}
        aria-invalid={!!message}
        aria-describedby={[hint, describedBy, message ? `${id}-error` : ""].filter(Boolean).join(" ")}
        onChange={(e) => {
          setText(e.target.value);
          const iso = isoFromDmy(e.target.value);
          setBad(iso === null);
          if (iso !== null) onChange(iso);
        }}
      />
      <span id={hint} className="hint">
        {t("dateHint")}
      </span>
    </Field>
  );
}
