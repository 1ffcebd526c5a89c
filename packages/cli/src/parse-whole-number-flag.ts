import { UsageError } from "@stevedore/core";

/**
 * The value of a numeric flag (`--port 5000`): digits only, within `min`…`max`. Anything else is a
 * `UsageError` quoting the value (clipped) and saying what was expected, e.g.
 * `--port "http" is not a port number from 0 to 65535`.
 */
export function parseWholeNumberFlag(
  flag: string,
  value: string,
  range: { min: number; max: number; what: string },
): number {
  // At most 5 digits (every such flag's maximum fits): no exponent, sign, space or fraction.
  const number = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= range.min && number <= range.max)) {
    throw new UsageError(
      `--${flag} ${JSON.stringify(value.slice(0, 20))} is not ${range.what} from ${range.min} to ${range.max}`,
    );
  }
  return number;
}
