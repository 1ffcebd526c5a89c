/**
 * The `code` of a thrown value when it carries a string one: a Node system error's errno name (`ENOENT`,
 * `EEXIST`), an undici error code (`UND_ERR_SOCKET`), a stevedore error's `STEVEDORE_*` code. `undefined`
 * for anything else, `null` and non-objects included, so callers need no cast.
 *
 * @example
 * ```ts
 * try {
 *   await readFile(path);
 * } catch (error) {
 *   if (errorCode(error) === "ENOENT") return undefined;
 *   throw error;
 * }
 * ```
 */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code } = error as { code?: unknown };
  return typeof code === "string" ? code : undefined;
}
