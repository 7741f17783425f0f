import "./batch-admin.css";
import { useEffect, useRef, useState } from "react";
import { api, request, type FieldProblem } from "../api";
import { CredentialField, problemAt, RolesField, ShownOnce, split, TextField, ROLES, type Credential } from "../components/AdminFields";
import DataTable from "../components/DataTable";
import ErrorBox from "../components/ErrorBox";
import { Field } from "../components/Field";
import Notice from "../components/Notice";
import { useFetch } from "../components/useFetch";
import { useI18n, type MessageKey } from "../i18n";

interface Person {
  username: string;
  full_name: string;
  title: string;
  organisation: string;
  roles: string[];
  active: boolean;
  credential: Credential | null;
  has_certificate: boolean;
  created_at: string;
}

function without(credential: Credential | null): Credential {
  return Object.fromEntries(Object.entries(credential ?? {}).filter(([k]) => k !== "image"));
}

function NewUserForm({ onCreated }: { onCreated: (username: string) => void }) {
  const { t, lang } = useI18n();
  const empty = { username: "", full_name: "", organisation: "", organisation_name: "", title: "", password: "" };
  const [v, setV] = useState(empty);
  const [roles, setRoles] = useState<string[]>(["requester"]);
  const [credential, setCredential] = useState<Credential>({});
  const [apiKey, setApiKey] = useState(false);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ username: string; api_key: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof empty) => (value: string) => setV({ ...v, [k]: value });
  const at = (path: string) => problemAt(problems, path, lang);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setProblems([]);
    setError(null);
    setCreated(null);
    try {
      const body = {
        ...v,
        organisation_name: v.organisation_name || null,
        password: v.password || null,
        roles,
        credential: credential.kind ? credential : null,
        api_key: apiKey,
      };
      const out = await api.post<{ username: string; api_key: string | null }>("/api/v1/users", body);
      setCreated(out);
      setV(empty); // the password leaves the page's memory with the form
      setCredential({});
      onCreated(out.username);
    } catch (err) {
      const [p, e2] = split(err);
      setProblems(p);
      setError(e2);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={create} noValidate aria-labelledby="new-user-title">
      <h2 id="new-user-title">{t("newUser")}</h2>
      <ErrorBox error={error} />
      <Notice text={created && t("userCreated", { username: created.username })} />
      {created?.api_key && <ShownOnce label={t("apiKeyIs", { username: created.username })} secret={created.api_key} />}
      <div className="filters">
        <TextField id="new-username" label="username" value={v.username} onChange={set("username")} error={at("username")} required />
        <TextField id="new-full-name" label="fullName" value={v.full_name} onChange={set("full_name")} error={at("full_name")} required />
        <TextField id="new-title" label="titleField" value={v.title} onChange={set("title")} error={at("title")} />
        <TextField id="new-organisation" label="organisationAbbr" value={v.organisation} onChange={set("organisation")} error={at("organisation")} required />
        <TextField id="new-organisation-name" label="organisationName" value={v.organisation_name} onChange={set("organisation_name")} error={at("organisation_name")} />
        <TextField id="new-password" label="initialPassword" type="password" autoComplete="new-password" value={v.password} onChange={set("password")} error={at("password")} required />
      </div>
      <RolesField id="new-roles" value={roles} onChange={setRoles} error={at("roles")} />
      <CredentialField id="new-credential" value={credential} onChange={setCredential} problems={problems} />
      <label className="choice">
        <input type="checkbox" checked={apiKey} onChange={(e) => setApiKey(e.target.checked)} /> {t("makeApiKey")}
      </label>
      <p>
        <button type="submit" disabled={busy}>
          {t("createUser")}
        </button>
      </p>
    </form>
  );
}

function EditUser({ person, onChanged, onClose }: { person: Person; onChanged: () => void; onClose: () => void }) {
  const { t, lang } = useI18n();
  const [fullName, setFullName] = useState(person.full_name);
  const [title, setTitle] = useState(person.title);
  const [roles, setRoles] = useState(person.roles);
  const [credential, setCredential] = useState<Credential>(without(person.credential));
  const [certificate, setCertificate] = useState("");
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const at = (path: string) => problemAt(problems, path, lang);
  const base = `/api/v1/users/${encodeURIComponent(person.username)}`;

  useEffect(() => heading.current?.focus(), []);

  async function act(what: () => Promise<string | void>) {
    setProblems([]);
    setError(null);
    setNotice("");
    setSecret(null);
    try {
      const said = await what();
      if (said) setNotice(said);
      onChanged();
    } catch (err) {
      const [p, e2] = split(err);
      setProblems(p);
      setError(e2);
    }
  }

  const patch = (body: Record<string, unknown>) =>
    act(async () => {
      await request("PATCH", base, body);
      return t("saved");
    });
  const save = (e: React.FormEvent) => {
    e.preventDefault();
    return patch({ full_name: fullName, title, roles, credential: credential.kind ? credential : {} });
  };
  const recordCertificate = () =>
    act(async () => {
      const out = await request<{ subject: string }>("PUT", `${base}/certificate`, { certificate });
      setCertificate("");
      return t("certificateRecorded", { subject: out.subject });
    });
  /** A new password or API key, made by the service and shown once. */
  const newSecret = (path: "password" | "api-keys", field: "password" | "api_key", label: MessageKey) =>
    act(async () => {
      const out = await api.post<Record<typeof field, string>>(`${base}/${path}`);
      setSecret({ label: t(label, { username: person.username }), value: out[field] });
    });

  return (
    <section className="edit-user" aria-labelledby="edit-user-title">
      <h2 id="edit-user-title" ref={heading} tabIndex={-1}>
        {t("editUser", { username: person.username })}
      </h2>
      <ErrorBox error={error} />
      <Notice text={notice} />
      {secret && <ShownOnce label={secret.label} secret={secret.value} />}
      <form onSubmit={save} noValidate>
        <div className="filters">
          <TextField id="edit-full-name" label="fullName" value={fullName} onChange={setFullName} error={at("full_name")} required />
          <TextField id="edit-title" label="titleField" value={title} onChange={setTitle} error={at("title")} />
        </div>
        <RolesField id="edit-roles" value={roles} onChange={setRoles} error={at("roles")} />
        <CredentialField id="edit-credential" value={credential} onChange={setCredential} problems={problems} />
        <p className="buttons">
          <button type="submit">{t("save")}</button>
          <button type="button" onClick={onClose}>
            {t("cancel")}
          </button>
        </p>
      </form>
      <Field id="edit-certificate" label={t("certificate")}>
        <textarea id="edit-certificate" value={certificate} onChange={(e) => setCertificate(e.target.value)} spellCheck={false} />
      </Field>
      <p className="buttons">
        <button type="button" disabled={!certificate.trim()} onClick={recordCertificate}>
          {t("recordCertificate")}
        </button>
        <button type="button" onClick={() => newSecret("password", "password", "newPasswordIs")}>
          {t("resetPassword")}
        </button>
        <button type="button" onClick={() => newSecret("api-keys", "api_key", "apiKeyIs")}>
          {t("newApiKey")}
        </button>
        <button type="button" onClick={() => patch({ active: !person.active })}>
          {person.active ? t("deactivate") : t("reactivate")}
        </button>
      </p>
    </section>
  );
}

/** The admin's people: everyone sorted by name the Vietnamese way (the API sorts), a new person, and one person's
 * roles, title, credential, certificate, password, API key and whether they may log in. */
export default function AdminUsersPage() {
  const { t } = useI18n();
  const { data: people, error, reload } = useFetch<Person[]>("/api/v1/users");
  const [editing, setEditing] = useState<string | null>(null);
  const person = people?.find((p) => p.username === editing) ?? null;
  const roleLabel = (role: string) => t(ROLES.find(([r]) => r === role)?.[1] ?? "roleRequester").split(" (")[0];

  return (
    <section>
      <h1>{t("usersTitle")}</h1>
      <ErrorBox error={error} />
      {people && (
        <DataTable
          caption={t("usersList")}
          rows={people}
          rowKey={(p) => p.username}
          rowClassName={(p) => (p.active ? "" : "inactive")}
          columns={[
            { header: t("fullName"), cell: (p) => p.full_name },
            { header: t("username"), cell: (p) => p.username },
            { header: t("organisation"), cell: (p) => p.organisation },
            { header: t("titleField"), cell: (p) => p.title },
            { header: t("roles"), cell: (p) => p.roles.map(roleLabel).join(", ") },
            {
              header: t("accountState"),
              cell: (p) => (
                <>
                  {p.active ? t("active") : t("inactive")}
                  {p.has_certificate && <span className="hint"> · {t("hasCertificate")}</span>}
                </>
              ),
            },
            {
              header: <span className="visually-hidden">{t("edit")}</span>,
              cell: (p) => (
                <button type="button" className="small" aria-label={`${t("edit")} ${p.username}`} onClick={() => setEditing(p.username)}>
                  {t("edit")}
                </button>
              ),
            },
          ]}
        />
      )}
      {person && <EditUser key={person.username} person={person} onChanged={reload} onClose={() => setEditing(null)} />}
      <NewUserForm onCreated={reload} />
    </section>
  );
}
