// The form of a template, generated from its JSON Schema by react-jsonschema-form: text, dates (dd/mm/yyyy), lists
// and tables with rows to add and remove, choices. The service's validator is the judge: its 422 errors (every wrong
// field by path, in Vietnamese and English) are shown at their fields. ajv is not run in the page: it compiles
// schemas to code with `new Function`, which the pages' Content-Security-Policy (script-src 'self') forbids.
import Form from "@rjsf/core";
import type { ErrorSchema, IconButtonProps, RJSFSchema, WidgetProps } from "@rjsf/utils";
import { TranslatableString, englishStringTranslator, replaceStringParameters } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { useEffect, useState } from "react";
import type { FieldProblem } from "../api";
import { dateText, isoFromDmy } from "../format";
import { useI18n, type Lang, type MessageKey } from "../i18n";

type Data = Record<string, unknown>;

/** Fields with a description but no title take the description as their label (the schemas describe fields in
 * Vietnamese); "$schema" and the service's own "x-vanban" facts are left out. */
export function labelled(schema: unknown): RJSFSchema {
  if (Array.isArray(schema)) return schema.map(labelled) as unknown as RJSFSchema;
  if (!schema || typeof schema !== "object") return schema as RJSFSchema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (k === "$schema" || k === "x-vanban") continue;
    out[k] = k === "properties" && v && typeof v === "object"
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([name, sub]) => [name, labelled(sub)]))
      : k === "items" ? labelled(v) : v;
  }
  if (!out.title && typeof out.description === "string") {
    out.title = out.description;
    delete out.description;
  }
  return out as RJSFSchema;
}

/** "students[2].full_name" → {students: {2: {full_name: {__errors: [message]}}}}: where rjsf shows an error. */
export function errorSchema(problems: FieldProblem[], lang: Lang): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const p of problems) {
    const keys = p.path.replace(/^data\.?/, "").match(/[^.[\]]+/g) ?? [];
    let node = root;
    for (const key of keys) node = (node[key] ??= {}) as Record<string, unknown>;
    ((node.__errors ??= []) as string[]).push(lang === "vi" ? p.message_vi : p.message);
  }
  return root as ErrorSchema;
}

function DateWidget(props: WidgetProps) {
  const { id, value, required, disabled, readonly, onChange, onBlur, onFocus, rawErrors } = props;
  const { t } = useI18n();
  const [text, setText] = useState(dateText(typeof value === "string" ? value : ""));
  const [bad, setBad] = useState(false);
  useEffect(() => {
    if (typeof value === "string" && isoFromDmy(text) !== value && /^\d{4}-\d{2}-\d{2}$/.test(value)) setText(dateText(value));
  }, [value]);
  return (
    <>
      <input
        id={id}
        className="form-control"
        inputMode="numeric"
        placeholder="dd/mm/yyyy"
        value={text}
        required={required}
        disabled={disabled || readonly}
        aria-invalid={bad || (rawErrors?.length ?? 0) > 0}
        aria-describedby={`${id}__error ${id}__hint`}
        onChange={(e) => {
          setText(e.target.value);
          const iso = isoFromDmy(e.target.value);
          setBad(iso === null);
          onChange(iso === null ? e.target.value : iso || undefined);
        }}
        onBlur={() => onBlur(id, value)}
        onFocus={() => onFocus(id, value)}
      />
      <span id={`${id}__hint`} className="hint">
        {bad ? <span className="field-error">{t("badDate")}</span> : t("dateHint")}
      </span>
    </>
  );
}

function textButton(label: MessageKey, className: string) {
  return function Button(props: IconButtonProps) {
    const { t } = useI18n();
    const { iconType: _i, icon: _c, uiSchema: _u, registry: _r, className: given, ...rest } = props;
    // the same Add button adds an array's row and an open object's field ("object-property-expand")
    const text = given?.includes("object-property-expand") ? t("addField") : t(label);
    return (
      <button type="button" className={`small ${className}`} {...rest} title={undefined}>
        {text}
      </button>
    );
  };
}

const BUTTONS = {
  AddButton: textButton("addItem", "add"),
  RemoveButton: textButton("removeItem", "remove"),
  MoveUpButton: textButton("moveUp", "move"),
  MoveDownButton: textButton("moveDown", "move"),
  CopyButton: textButton("addItem", "copy"),
};

const VI: Partial<Record<TranslatableString, string>> = {
  [TranslatableString.AddItemButton]: "Thêm dòng",
  [TranslatableString.AddButton]: "Thêm",
  [TranslatableString.RemoveButton]: "Xóa",
  [TranslatableString.MoveUpButton]: "Lên",
  [TranslatableString.MoveDownButton]: "Xuống",
  [TranslatableString.CopyButton]: "Chép",
  [TranslatableString.ArrayItemTitle]: "Dòng",
  [TranslatableString.YesLabel]: "Có",
  [TranslatableString.NoLabel]: "Không",
  [TranslatableString.ErrorsLabel]: "Lỗi",
};

interface Props {
  schema: Record<string, unknown>;
  data: Data;
  onChange: (data: Data) => void;
  onSubmit: (data: Data) => void;
  problems: FieldProblem[];
  submitLabel: string;
  busy: boolean;
}

export default function SchemaForm({ schema, data, onChange, onSubmit, problems, submitLabel, busy }: Props) {
  const { lang } = useI18n();
  return (
    <Form
      schema={labelled(schema)}
      formData={data}
      validator={validator}
      noValidate
      noHtml5Validate
      showErrorList={false}
      extraErrors={errorSchema(problems, lang)}
      widgets={{ DateWidget }}
      templates={{ ButtonTemplates: BUTTONS }}
      translateString={(s, params) => (lang === "vi" && VI[s] ? replaceStringParameters(VI[s]!, params) : englishStringTranslator(s, params))}
      uiSchema={{ "ui:submitButtonOptions": { submitText: submitLabel, props: { disabled: busy } } }}
      onChange={(e) => onChange(e.formData as Data)}
      onSubmit={(e) => onSubmit(e.formData as Data)}
    />
  );
}
