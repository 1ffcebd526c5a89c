import { errorCode } from "@stevedore/core";

/**
 * True for the abort errors a cancelled or failed operation leaves behind (undici's `UND_ERR_ABORTED`,
 * stevedore's `STEVEDORE_ABORTED`, DOM `AbortError`), which `start.ts` ignores when nobody handled them.
 */
export function isStrayAbort(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = errorCode(error);
  const { name } = error as { name?: unknown };
  return (
    code === "UND_ERR_ABORTED" ||
    code === "STEVEDORE_ABORTED" ||
    code === "ABORT_ERR" ||
    name === "AbortError"
  );
}
