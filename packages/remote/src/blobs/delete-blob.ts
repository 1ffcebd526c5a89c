import type { TargetCallOptions } from "@stevedore/core";
import { parseDigest } from "@stevedore/core";
import { mapNotFound } from "../not-found.js";
import type { RemoteContext } from "../remote-context.js";
import { sendRoute } from "../send-route.js";
import { blobWhere } from "./get-blob.js";

/**
 * Deletes a blob from the repository (`DELETE /v2/<name>/blobs/<digest>`, end-10; `spec/PROTOCOL.md` §8).
 * Needs the `delete` action. `NotFoundError` for a 404; a registry with deletes disabled answers 400 or
 * 405 (`UNSUPPORTED`), which stays a `RegistryResponseError`.
 */
export async function deleteBlob(
  context: RemoteContext,
  digest: string,
  options: TargetCallOptions = {},
): Promise<void> {
  const valid = parseDigest(digest);
  try {
    const response = await sendRoute(context, "blob-delete", { digest: valid }, { signal: options.signal });
    await response.dump();
  } catch (error) {
    throw mapNotFound(error, blobWhere(context, valid));
  }
}
