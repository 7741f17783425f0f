import type { DocumentOut } from "./api";

// A document's signatures as the service records them: who (`by`, a username), their name as the certificate
// says it (`name`), when (`at`).
interface Recorded {
  by?: string;
  name?: string;
  at?: string;
}

/** The names of the people who signed, in signing order. */
export function signerNames(doc: DocumentOut): string {
  return (doc.signatures as Recorded[]).map((s) => s.name ?? s.by).filter(Boolean).join(", ");
}

/** When the last signature was made (the document's last change when none is recorded). */
export function lastSignedAt(doc: DocumentOut): string {
  const all = doc.signatures as Recorded[];
  return all[all.length - 1]?.at ?? doc.updated_at;
}
