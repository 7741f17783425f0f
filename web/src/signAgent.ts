// The leader's signing agent (`vanban sign-agent`) on their own computer, called straight from the page: its
// certificates, then the digests of `inbox:prepare` as they are. The PIN is typed into the agent, never here.
import { ApiError } from "./api";

export class AgentUnreachable extends Error {}

async function call<T>(base: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: body === undefined ? "GET" : "POST",
      mode: "cors",
      credentials: "omit",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new AgentUnreachable(base);
  }
  const data = (await response.json().catch(() => ({}))) as Partial<{ code: string; message: string; message_vi: string; field: string }>;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data.code ?? `http_${response.status}`,
      data.message ?? `HTTP ${response.status}`,
      data.message_vi ?? data.message ?? `Lỗi HTTP ${response.status}`,
      data.field ? [{ path: data.field, message: data.message ?? "", message_vi: data.message_vi ?? "" }] : [],
    );
  }
  return data as T;
}

/** The signer's certificate then its chain (PEM), as `inbox:prepare` takes them. */
export async function agentCertificates(base: string): Promise<string> {
  return (await call<{ certificates: string }>(base, "/v1/certificates")).certificates;
}

/** The agent's signatures of `prepared` (inbox:prepare's answer, unchanged), the body of `inbox:complete`. */
export function agentSign<T>(base: string, prepared: unknown): Promise<T> {
  return call<T>(base, "/v1/sign", prepared);
}
