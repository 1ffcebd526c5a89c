/**
 * Mount, or else upload into the session the declined mount opened (`spec/PROTOCOL.md` §4.1 flow 5: a
 * `202` "opens a normal upload session that the client continues").
 */
import type { Descriptor, ReplayableSource } from "@stevedore/core";
import type { RemoteContext } from "../remote-context.js";
import { postMount } from "./mount-blob.js";
import { checkContent, type UploadBlobOptions, uploadIntoSession } from "./upload-blob.js";
import { headerValue, sessionOf } from "./upload-requests.js";

/**
 * Mounts blob `descriptor` from `fromRepository` (see `mountBlob`); when the registry declines with `202`,
 * uploads `source` into the session that response opened, saving the `POST` (and the `DELETE`) a
 * separate `mountBlob` + `uploadBlob` would send. Resolves `true` when mounted, `false` when uploaded.
 *
 * Errors are those of `mountBlob` and `uploadBlob`; the content is checked before anything is sent.
 *
 * @example
 * const mounted = await mountOrUpload(context, layer, "team/base", fileSource(path), { signal });
 */
export async function mountOrUpload(
  context: RemoteContext,
  descriptor: Descriptor,
  fromRepository: string,
  source: ReplayableSource | Uint8Array,
  options: UploadBlobOptions = {},
): Promise<boolean> {
  checkContent(descriptor, source);
  const response = await postMount(context, descriptor, fromRepository, options.signal);
  if (response.status === 201) return true;
  // A 202 without a Location opened nothing usable: upload from scratch.
  const session = headerValue(response, "location") === undefined ? undefined : sessionOf(response);
  await uploadIntoSession(context, descriptor, source, session, options);
  return false;
}
