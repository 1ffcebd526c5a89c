/**
 * Internal: a printable stand-in for a value that should have been a string, for the `input` of an error.
 * `String()` can itself throw (an object without a prototype), and a parser must never crash.
 */
export function inputText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return String(value);
  return Array.isArray(value) ? "[array]" : `[${typeof value}]`;
}
