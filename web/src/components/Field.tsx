// A form field's one home: its label (with a required mark), its control, then its error, tied to the control by id.
import type { ReactNode, Ref } from "react";

/** The attributes that tie a control to its field's error (`<id>-error`): invalid while there is one. */
export function errorAttributes(id: string, error: unknown): { "aria-invalid": boolean; "aria-describedby": string | undefined } {
  return { "aria-invalid": !!error, "aria-describedby": error ? `${id}-error` : undefined };
}

interface FieldProps {
  id: string;
  label: ReactNode;
  error?: ReactNode;
  required?: boolean;
  /** More classes beside `field` (`narrow`). */
  className?: string;
  /** The control whose id is `id`, and anything said after it before the error (a hint). */
  children: ReactNode;
}

/** A label, a control (the children) and the control's error, said at the field. */
export function Field({ id, label, error, required, className, children }: FieldProps) {
  return (
    <div className={className ? `field ${className}` : "field"}>
      <label htmlFor={id}>
        {label}
        {required && <span className="required" aria-hidden="true"> *</span>}
      </label>
      {children}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

interface FileFieldProps {
  id: string;
  label: ReactNode;
  accept: string;
  onChange: (file: File | null) => void;
  error?: ReactNode;
  inputRef?: Ref<HTMLInputElement>;
}

/** One file to upload; `error` says what is wrong with it (none chosen, for instance). */
export function FileField({ id, label, accept, onChange, error, inputRef }: FileFieldProps) {
  return (
    <Field id={id} label={label} error={error}>
      <input id={id} ref={inputRef} type="file" accept={accept} {...errorAttributes(id, error)} onChange={(e) => onChange(e.target.files?.[0] ?? null)} />
    </Field>
  );
}

export interface Choice {
  value: string;
  label: ReactNode;
}

interface SelectFieldProps {
  id: string;
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  /** The first, empty choice ("choose…", "any"); none: every choice is a value. */
  prompt?: string;
  choices: Choice[];
  className?: string;
}

/** A choice among `choices` (after the empty `prompt`). */
export function SelectField({ id, label, value, onChange, prompt, choices, className }: SelectFieldProps) {
  return (
    <Field id={id} label={label} className={className}>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {prompt !== undefined && <option value="">{prompt}</option>}
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
