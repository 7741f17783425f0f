// A table's one home: its scrolling box, its caption, its column headers (scope="col"), then its rows.
import type { ReactNode } from "react";

interface TableProps {
  headers: ReactNode[];
  /** Said to screen readers (and shown when `showCaption`). */
  caption?: ReactNode;
  showCaption?: boolean;
  className?: string;
  testId?: string;
  /** The rows (<tr>s). */
  children: ReactNode;
}

/** A table whose rows the caller writes (rows that open, rows with a checkbox); `DataTable` when a row is cells. */
export function Table({ headers, caption, showCaption, className, testId, children }: TableProps) {
  return (
    <div className="table-wrap">
      <table className={className} data-testid={testId}>
        {caption !== undefined && <caption className={showCaption ? undefined : "visually-hidden"}>{caption}</caption>}
        <thead>
          <tr>
            {headers.map((h, i) => (
              <th key={i} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** One column: its heading and what a row shows in it. */
export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
}

interface DataTableProps<T> extends Omit<TableProps, "headers" | "children"> {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T, index: number) => string | number;
  rowClassName?: (row: T) => string | undefined;
}

/** A row a thing, a cell a column. */
export default function DataTable<T>({ columns, rows, rowKey, rowClassName, ...table }: DataTableProps<T>) {
  return (
    <Table headers={columns.map((c) => c.header)} {...table}>
      {rows.map((row, i) => (
        <tr key={rowKey(row, i)} className={rowClassName?.(row)}>
          {columns.map((c, j) => (
            <td key={j}>{c.cell(row)}</td>
          ))}
        </tr>
      ))}
    </Table>
  );
}
