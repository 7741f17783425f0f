// Form pieces of the admin pages: a text field with its error, the roles as checkboxes, a signing credential by
// kind, and a secret shown once (a new password or API key: never stored by the page).
import { ApiError, type FieldProblem } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { errorAttributes, Field, SelectField } from "./Field";

/** The message for `path` among a 422's problems, in the chosen language. */
export function problemAt(problems: FieldProblem[], path: string, lang: string): string | undefined {
  const found = problems.find((p) => p.path === path || p.path === `body.${path}`);
  return found && (lang === "vi" ? found.message_vi : found.message);
}

/** Problems of a 422 kept for the fields; any other error for the box. */
export function split(err: unknown): [FieldProblem[], unknown] {
  return err instanceof ApiError && err.status === 422 && err.errors.length > 0 ? [err.errors, err] : [[], err];
}

interface TextProps {
  id: string;
  label: MessageKey;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  type?: string;
  required?: boolean;
  autoComplete?: string;
}

export function TextField({ id, label, value, onChange, error, type = "text", required, autoComplete = "off" }: TextProps) {
  const { t } = useI18n();
  return (
    <Field id={id} label={t(label)} error={error} required={required}>
      <input
        id={id}
        type={type}
        value={value}
        required={required}
        autoComplete={autoComplete}
        {...errorAttributes(id, error)}
        onChange={(e) => onChange(e.target.value)}
      />
    </Field>
  );
}

export const ROLES: [string, MessageKey][] = [
  ["requester", "roleRequester"],
  ["clerk", "roleClerk"],
  ["signer", "roleSigner"],
  ["admin", "roleAdmin"],
];

export function RolesField({ id, value, onChange, error }: { id: string; value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const { t } = useI18n();
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{t("roles")}</legend>
      {ROLES.map(([role, label]) => (
        <label key={role} className="choice">
          <input
            type="checkbox"
            name={`${id}-${role}`}
            checked={value.includes(role)}
            onChange={(e) => onChange(e.target.checked ? [...value, role] : value.filter((r) => r !== role))}
          />{" "}
          {t(label)}
        </label>
      ))}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </fieldset>
  );
}

export type Credential = Record<string, string>;

const KINDS: [string, MessageKey, [string, MessageKey][]][] = [
  ["pkcs12", "credentialPkcs12", [["path", "credentialPath"]]],
  ["pkcs11", "credentialPkcs11", [["module", "credentialModule"], ["token", "credentialToken"], ["key", "credentialKey"]]],
  ["csc", "credentialCsc", [["url", "credentialUrl"], ["credential_id", "credentialId"]]],
];

/** Where a signer's key is, by kind; errors at `credential.<field>`. */
export function CredentialField({ id, value, onChange, problems }: { id: string; value: Credential; onChange: (v: Credential) => void; problems: FieldProblem[] }) {
  const { t, lang } = useI18n();
  const kind = KINDS.find(([k]) => k === value.kind);
  return (
    <fieldset>
      <legend>{t("credential")}</legend>
      <SelectField
        id={`${id}-kind`}
        label={t("credentialKind")}
        value={value.kind ?? ""}
        onChange={(k) => onChange(k ? { kind: k } : {})}
        prompt={t("credentialNone")}
        choices={KINDS.map(([k, label]) => ({ value: k, label: t(label) }))}
      />
      {kind?.[2].map(([name, label]) => (
        <TextField
          key={name}
          id={`${id}-${name}`}
          label={label}
          value={value[name] ?? ""}
          onChange={(v) => onChange({ ...value, [name]: v })}
          error={problemAt(problems, `credential.${name}`, lang)}
          required
        />
      ))}
    </fieldset>
  );
}

/** A new password or API key: shown once, in the page's memory only until another person is chosen. */
export function ShownOnce({ label, secret }: { label: string; secret: string }) {
  const { t } = useI18n();
  return (
    <div className="notice secret" role="status">
      <p>
        <strong>{label}:</strong> <code className="secret-value">{secret}</code>
      </p>
      <p className="hint">{t("shownOnce")}</p>
    </div>
  );
}
