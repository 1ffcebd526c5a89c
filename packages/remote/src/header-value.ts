/** Internal: the first value of a response header, or `undefined` when absent or empty. */
export function headerValue(value: string | readonly string[] | undefined): string | undefined {
  const first = typeof value === "string" ? value : value?.[0];
  return first === undefined || first.trim() === "" ? undefined : first.trim();
}

/** Internal: every comma-separated item of every value of a header, trimmed, empty items dropped. */
export function headerList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const lines = typeof value === "string" ? [value] : value;
  return lines.flatMap((line) => line.split(",").map((item) => item.trim())).filter((item) => item !== "");
}
