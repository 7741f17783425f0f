import { useState, type ReactNode } from "react";
import { useI18n } from "../i18n";
import { Table } from "./DataTable";

export interface Selection {
  /** The chosen ids, in the order of the list. */
  ids: string[];
  has: (id: string) => boolean;
  toggle: (id: string) => void;
  /** Choose exactly these (every one of the list: `all`; none: []). */
  choose: (ids: string[]) => void;
  all: string[];
}

/** Which rows of a list (by id) are chosen for one action on several. */
export function useSelection(all: string[]): Selection {
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  return {
    ids: all.filter((id) => chosen.has(id)),
    has: (id) => chosen.has(id),
    toggle: (id) => {
      const next = new Set(chosen);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      setChosen(next);
    },
    choose: (ids) => setChosen(new Set(ids)),
    all,
  };
}

/** The header cell's box that chooses every row, or none. */
export function SelectAllBox({ selection }: { selection: Selection }) {
  const { t } = useI18n();
  return (
    <input
      type="checkbox"
      aria-label={t("selectAll")}
      checked={selection.all.length > 0 && selection.ids.length === selection.all.length}
      onChange={(e) => selection.choose(e.target.checked ? selection.all : [])}
    />
  );
}

/** A table whose rows may be chosen: the first header cell chooses all; `children` are the rows. */
export function ChoosingTable({ selection, headers, children }: { selection: Selection; headers: string[]; children: ReactNode }) {
  return <Table headers={[<SelectAllBox key="all" selection={selection} />, ...headers]}>{children}</Table>;
}
