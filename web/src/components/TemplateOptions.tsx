import type { TemplateSummary } from "../api";

/** The <option>s of a template choice: a first empty one saying `prompt`, then each template by its title. */
export default function TemplateOptions({ templates, prompt }: { templates: TemplateSummary[] | null; prompt: string }) {
  return (
    <>
      <option value="">{prompt}</option>
      {(templates ?? []).map((x) => (
        <option key={x.id} value={x.id}>
          {x.title}
        </option>
      ))}
    </>
  );
}
