import type { ReactNode } from "react";

// Search snippets arrive HTML-escaped with matches in <mark>…</mark>
// (src/sight/knowledge/highlight.py). They are turned into React nodes here rather
// than injected as HTML: only <mark> becomes an element, everything else stays text.

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'", "#x27": "'" };

export function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#39|#x27|#\d+|#x[0-9a-f]+);/gi, (whole, name: string) => {
    const known = ENTITIES[name.toLowerCase()];
    if (known !== undefined) return known;
    const code = name.toLowerCase().startsWith("#x") ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Text pieces, `marked` where the server marked a match. */
export function parseSnippet(snippet: string): { text: string; marked: boolean }[] {
  const pieces: { text: string; marked: boolean }[] = [];
  const pattern = /<mark>([\s\S]*?)<\/mark>/g;
  let last = 0;
  for (const match of snippet.matchAll(pattern)) {
    const index = match.index;
    if (index > last) pieces.push({ text: unescapeHtml(snippet.slice(last, index)), marked: false });
    pieces.push({ text: unescapeHtml(match[1] ?? ""), marked: true });
    last = index + match[0].length;
  }
  if (last < snippet.length) pieces.push({ text: unescapeHtml(snippet.slice(last)), marked: false });
  return pieces.filter((piece) => piece.text !== "");
}

export function Snippet({ html, className }: { html: string; className?: string }): ReactNode {
  return (
    <p className={className ?? "snippet"}>
      {parseSnippet(html).map((piece, index) => (piece.marked ? <mark key={index}>{piece.text}</mark> : piece.text))}
    </p>
  );
}
