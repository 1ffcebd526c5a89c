import { UsageError } from "./errors.js";

/**
 * The values every concurrency option of stevedore accepts: transfer's `concurrency` and
 * `largeConcurrency`, the client's `concurrency`, the CLI's `--concurrency`. One rule, so the three agree.
 */
export const concurrencyRange: Readonly<{ min: number; max: number }> = Object.freeze({ min: 1, max: 256 });

/**
 * Checks one concurrency option against {@link concurrencyRange}.
 *
 * @example
 * ```ts
 * checkConcurrency(8); // 8
 * checkConcurrency(0, "largeConcurrency"); // UsageError: largeConcurrency must be a whole number from 1 to 256, got 0
 * ```
 *
 * @throws UsageError naming the option and the value.
 */
export function checkConcurrency(value: unknown, name = "concurrency"): number {
  const { min, max } = concurrencyRange;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}
