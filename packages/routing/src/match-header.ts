import { InvalidHeaderError } from "@stevedore/core";

/**
 * The one value of header `name` (a server hands a repeated header over as `string[]`), trimmed and matched
 * against its grammar `pattern`.
 *
 * @throws InvalidHeaderError when the header is missing, was sent more than once, or does not match
 *   (`expected` says what it should look like)
 */
export function matchHeader(
  name: string,
  header: string | readonly string[] | undefined,
  pattern: RegExp,
  expected: string,
): RegExpExecArray {
  if (Array.isArray(header)) {
    if (header.length !== 1) throw new InvalidHeaderError(name, `expected one value, got ${header.length}`);
    return matchHeader(name, header[0], pattern, expected);
  }
  if (typeof header !== "string") throw new InvalidHeaderError(name, "missing");
  const match = pattern.exec(header.trim());
  if (match === null) {
    throw new InvalidHeaderError(name, `expected ${expected}, got ${JSON.stringify(header.slice(0, 100))}`);
  }
  return match;
}
