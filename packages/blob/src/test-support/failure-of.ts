import { StevedoreError } from "@stevedore/core";

/** The stevedore error `promise` rejects with; throws when it resolves or rejects with anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<StevedoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!StevedoreError.isInstance(error)) throw new Error(`expected a stevedore error, got ${String(error)}`);
  return error;
}
