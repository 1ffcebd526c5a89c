/**
 * What `promise` rejects with, for assertions on the error's class and fields; throws when it resolves.
 *
 * @example
 * const error = await rejection(remote.getManifest("v1"));
 * expect(error).toBeInstanceOf(NotFoundError);
 */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}
