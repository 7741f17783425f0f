import type { Signer } from "../api";
import { useFetch } from "./useFetch";

/** A signer's full name by their username (what a document lists), from `/api/v1/signers`; the username itself
 * while the list loads, or for someone no longer a signer. */
export function useSignerNames(): (username: string) => string {
  const { data } = useFetch<Signer[]>("/api/v1/signers");
  const names = Object.fromEntries((data ?? []).map((s) => [s.username, s.full_name]));
  return (username) => names[username] ?? username;
}
