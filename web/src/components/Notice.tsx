import type { ReactNode } from "react";

/** What the page has done (made, saved, sent), said once and announced; nothing when there is nothing to say. */
export default function Notice({ text }: { text: ReactNode }) {
  if (!text) return null;
  return (
    <p className="notice" role="status">
      {text}
    </p>
  );
}
