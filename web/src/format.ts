// Dates as Vietnamese offices write them: dd/mm/yyyy; times in Vietnam (UTC+7) whatever the browser's zone.

const VIETNAM = "Asia/Ho_Chi_Minh";

function parts(d: Date, withTime: boolean): Record<string, string> {
  const f = new Intl.DateTimeFormat("en-GB", {
    timeZone: VIETNAM,
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    ...(withTime ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" as const } : {}),
  });
  return Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
}

/** "2026-02-04" (a date of the API) → "04/02/2026". */
export function dateText(iso: string | null | undefined): string {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (m) return `${m[3]}/${m[2]}/${m[1]}`;
  const p = parts(new Date(iso), false);
  return `${p.day}/${p.month}/${p.year}`;
}

/** An instant of the API → "04/02/2026 09:30" in Vietnam. */
export function dateTimeText(iso: string | null | undefined): string {
  if (!iso) return "";
  const p = parts(new Date(iso), true);
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

/** "04/02/2026" → "2026-02-04"; null when it is no real date. "" → "". */
export function isoFromDmy(text: string): string | null {
  const s = text.trim();
  if (!s) return "";
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (!m) return null;
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}
