import type { ReactNode } from "react";
import type { Choice } from "./Field";

/** The choices of a template field: each template (not yet loaded: none) by `label`, its title unless told. */
export function templateChoices<T extends { id: string; title: string }>(templates: T[] | null | undefined, label: (template: T) => ReactNode = (x) => x.title): Choice[] {
  return (templates ?? []).map((x) => ({ value: x.id, label: label(x) }));
}

/** A template's title by its id (its id while the templates are loading, or for one no longer listed). */
export function templateTitle(templates: { id: string; title: string }[] | null | undefined, id: string): string {
  return templates?.find((x) => x.id === id)?.title ?? id;
}
