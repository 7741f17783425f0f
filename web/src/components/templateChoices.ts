import type { ReactNode } from "react";
import type { Choice } from "./Field";

/** The choices of a template field: each template (not yet loaded: none) by `label`, its title unless told. */
export function templateChoices<T extends { id: string; title: string }>(templates: T[] | null | undefined, label: (template: T) => ReactNode = (x) => x.title): Choice[] {
  return (templates ?? []).map((x) => ({ value: x.id, label: label(x) }));
}
