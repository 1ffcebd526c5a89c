/**
 * `Retry-After` (RFC 9110 §10.2.3, `spec/PROTOCOL.md` §10): a number of seconds or an HTTP date. Registries
 * send it with 429 and 503. A value that is neither is ignored rather than trusted.
 */

/** The wait in milliseconds `value` asks for (never negative), or `undefined` when it is absent or unreadable. */
export function parseRetryAfter(
  value: string | readonly string[] | undefined,
  now: number,
): number | undefined {
  const text = (typeof value === "string" ? value : value?.[0])?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : undefined;
  }
  // Only the date forms HTTP allows (IMF-fixdate and the two obsolete ones) start with a letter.
  if (!/^[a-z]{3}/i.test(text) || text.length > 64) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
