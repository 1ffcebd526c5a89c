/**
 * `Warning` headers (`spec/PROTOCOL.md` §9.3): `299 - "text"`, possibly several per header, comma-separated,
 * at most 4096 bytes in total. Registries use them for deprecation notices; clients show them and never act
 * on them.
 */

const warningPattern = /(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\[\s\S])*)"(?:\s+"[^"]*")?/g;
const totalLimit = 4096;

/** The warning texts of a `Warning` header (or of several), unescaped; malformed parts are skipped. */
export function parseWarnings(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = (typeof value === "string" ? value : value.join(", ")).slice(0, totalLimit);
  const texts: string[] = [];
  for (const match of joined.matchAll(warningPattern)) {
    const text = (match[3] ?? "")
      .replace(/\\([\s\S])/g, "$1")
      .replace(/[\x00-\x1f\x7f]+/g, " ")
      .trim();
    if (text) texts.push(text);
  }
  return texts;
}
