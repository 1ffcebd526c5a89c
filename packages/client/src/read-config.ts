import { readAll } from "@stevedore/blob";
import type { Descriptor, Platform } from "@stevedore/core";
import { maxImageConfigBytes } from "@stevedore/core";
import type { ClientContext } from "./client-context.js";
import { openManifestReader } from "./manifest-reader.js";
import { selectImage } from "./select-image.js";

/**
 * The config blob of the image `reference` names — for an index, of the image for `platform` (default:
 * `linux/<this CPU>`, see `selectImage`). Artifacts get their config whatever its media type. The bytes
 * are verified.
 */
export async function readConfig(
  context: ClientContext,
  reference: string,
  options: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<{ descriptor: Descriptor; bytes: Uint8Array }> {
  const { reader: remote, reference: name } = await openManifestReader(context, reference, options.signal);
  const image = await selectImage(remote, name, options);
  const descriptor = image.manifest.config;
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const bytes = image.config ?? (await readAll(await remote.fetch(descriptor, call), maxImageConfigBytes));
  return { descriptor, bytes };
}
