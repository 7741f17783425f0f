// The one way the pages talk to the service: fetch with the session cookie, the CSRF token on every request that
// changes something, and the API's bilingual error model turned into an ApiError.

export interface FieldProblem {
  path: string;
  message: string;
  message_vi: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    public messageEn: string,
    public messageVi: string,
    public errors: FieldProblem[] = [],
  ) {
    super(messageEn);
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: () => void = () => {};

/** The session's CSRF token, kept in memory only (the server also sets it as the readable vanban_csrf cookie). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the API answers 401 to a logged-in page: the session ended (idle time) or was closed elsewhere. */
export function whenUnauthenticated(callback: () => void): void {
  onUnauthenticated = callback;
}

function csrfFromCookie(): string | null {
  const found = document.cookie.split("; ").find((c) => c.startsWith("vanban_csrf="));
  return found ? decodeURIComponent(found.slice("vanban_csrf=".length)) : null;
}

const SAFE = new Set(["GET", "HEAD"]);

export async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  const h = init.headers as Record<string, string>;
  if (!SAFE.has(method)) {
    const token = csrfToken ?? csrfFromCookie();
    if (token) h["X-CSRF-Token"] = token;
  }
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    h["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "The service does not answer; check the connection", "Không kết nối được tới máy chủ; hãy kiểm tra mạng");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const e = (data ?? {}) as Partial<{ code: string; message: string; message_vi: string; errors: FieldProblem[] }>;
    if (response.status === 401 && path !== "/api/v1/session") onUnauthenticated();
    throw new ApiError(
      response.status,
      e.code ?? `http_${response.status}`,
      e.message ?? `HTTP ${response.status}`,
      e.message_vi ?? e.message ?? `Lỗi HTTP ${response.status}`,
      e.errors ?? [],
    );
  }
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body?: unknown, headers?: Record<string, string>) => request<T>("POST", path, body, headers),
  delete: <T>(path: string) => request<T>("DELETE", path),
};

// The shapes the pages read (a subset of /openapi.json).

export interface SessionInfo {
  username: string;
  full_name: string;
  title: string;
  organisation: string;
  roles: string[];
  csrf_token: string | null;
  idle_minutes: number;
}

export interface DocumentOut {
  id: string;
  job_id: string;
  status: string;
  template: string;
  number: number | null;
  notation: string | null;
  issued_on: string | null;
  signer: string | null;
  signed_at: string | null;
  pdf_sha256: string | null;
  docx_sha256: string | null;
  workflow: string;
  organisation: string;
  batch_id: string | null;
  signers: string[];
  signatures: { signer?: string; username?: string; at?: string; field?: string; organisation?: string }[];
  rejection: { reason?: string; by?: string; at?: string } | null;
  metadata?: ArchiveMetadata | null;
  created_at: string;
  updated_at: string;
}

/** NĐ 30/2020 Phụ lục VI archive metadata of an issued document (``metadata`` of ``GET /api/v1/documents/{id}``). */
export interface ArchiveMetadata {
  file_code: string | null;
  doc_ordinal: number | null;
  type_name: string;
  code_number: string;
  code_notation: string;
  issued_date: string;
  organ_name: string;
  subject: string;
  language: string;
  page_amount: number;
  signers: { full_name: string; position: string; competence: string }[];
  to: string[];
  priority: string;
  issued_amount: number;
  retention_years: number | null;
  description: string;
  due_date: string | null;
}

export interface DocumentList {
  items: DocumentOut[];
  total: number;
  page: number;
  page_size: number;
}

/** A batch as `GET /api/v1/batches/{id}` gives it: its letters in list order. */
export interface BatchOut {
  id: string;
  template: string;
  job_id: string;
  status: string;
  progress: { done: number; total: number };
  documents: {
    id: string;
    index: number;
    row: number | null;
    number: number | null;
    notation: string | null;
    status: string;
    name: string | null;
  }[];
}

export interface SignatureReport {
  field: string;
  kind: string;
  signer: string;
  organisation: string;
  signing_time: string | null;
  timestamp_time: string | null;
  level: string;
  intact: boolean;
  covers: string;
  covers_whole_file: boolean;
  later_changes: string;
  later_changes_allowed: boolean;
  trusted: boolean;
  chain: string[];
  revocation: string;
  certified: boolean;
  ok: boolean;
}

export interface VerificationReport {
  ok: boolean;
  signatures: SignatureReport[];
}

export interface TemplateSummary {
  id: string;
  title: string;
  version: string;
}

export interface TemplateOut extends TemplateSummary {
  type_abbreviation: string;
  workflow: string;
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
}

export interface Job {
  id: string;
  status: string;
  progress: { done: number; total: number };
  error: { message?: string; message_vi?: string } | null;
}

export interface HistoryEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

export interface Signer {
  username: string;
  full_name: string;
  title: string;
  organisation: string;
}
