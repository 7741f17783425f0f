// A template's generated form as a page holds it: its data, the problems the service found at its fields, the error
// of the last send, whether a send is under way; and the form itself in its box.
import { useEffect, useState } from "react";
import { ApiError, type FieldProblem } from "../api";
import SchemaForm from "./SchemaForm";

type Data = Record<string, unknown>;

interface FormTemplate {
  id: string;
  schema: Record<string, unknown>;
  example: Data;
}

export interface TemplateFormState {
  data: Data;
  setData: (data: Data) => void;
  problems: FieldProblem[];
  error: unknown;
  busy: boolean;
  /** Forget the last send's problems and error. */
  clear: () => void;
  /** Do `work`, busy meanwhile; its failure is kept (a 422's problems, those `keep` keeps, at their fields). */
  send: (work: () => Promise<void>) => Promise<void>;
}

/** The state of `template`'s form (none chosen, or not loaded yet: null); its data start as the template's example. */
export function useTemplateForm(template: FormTemplate | null, keep: (p: FieldProblem) => boolean = () => true): TemplateFormState {
  const [data, setData] = useState<Data>({});
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (template) setData(structuredClone(template.example));
  }, [template]);

  function clear() {
    setError(null);
    setProblems([]);
  }

  async function send(work: () => Promise<void>) {
    setBusy(true);
    clear();
    try {
      await work();
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setProblems(err.errors.filter(keep));
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return { data, setData, problems, error, busy, clear, send };
}

interface Props {
  form: TemplateFormState;
  template: FormTemplate;
  onSubmit: (data: Data) => void;
  submitLabel: string;
  /** Busy for more than the form's own send (the page's other work). */
  busy?: boolean;
}

/** The template's form, a new one for each template, its problems at their fields. */
export default function TemplateForm({ form, template, onSubmit, submitLabel, busy = form.busy }: Props) {
  return (
    <div className="schema-form">
      <SchemaForm
        key={template.id}
        schema={template.schema}
        data={form.data}
        onChange={form.setData}
        onSubmit={onSubmit}
        problems={form.problems}
        submitLabel={submitLabel}
        busy={busy}
      />
    </div>
  );
}
