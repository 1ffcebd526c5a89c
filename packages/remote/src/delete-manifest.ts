import type { TargetCallOptions } from "@stevedore/core";
import { describeReference, mapNotFound } from "./not-found.js";
import type { RemoteContext } from "./remote-context.js";
import { sendRoute } from "./send-route.js";

/**
 * Deletes a tag, or a manifest by digest together with every tag pointing at it (`DELETE
 * /v2/<name>/manifests/<reference>`, end-9; `spec/PROTOCOL.md` §8). Needs the `delete` action.
 * `NotFoundError` for a 404; disabled deletes (400/405 `UNSUPPORTED`) stay a `RegistryResponseError`, as
 * does distribution's refusal to delete by tag.
 */
export async function deleteManifest(
  context: RemoteContext,
  reference: string,
  options: TargetCallOptions = {},
): Promise<void> {
  try {
    const response = await sendRoute(context, "manifest-delete", { reference }, { signal: options.signal });
    await response.dump();
  } catch (error) {
    throw mapNotFound(error, `manifest ${describeReference(context, reference)}`);
  }
}
