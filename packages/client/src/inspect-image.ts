import { readAll } from "@stevedore/blob";
import type { Descriptor, ImageConfig, ImageManifest, ParsedManifest, Platform } from "@stevedore/core";
import {
  checkImagePlatform,
  configPlatform,
  formatReference,
  hasImageConfig,
  maxImageConfigBytes,
  NotFoundError,
  parseImageConfig,
  selectManifests,
  selectPlatformEntry,
} from "@stevedore/core";
import type { InspectResult } from "./client.js";
import type { ClientContext } from "./client-context.js";
import { isRegistryInput, type ManifestReader, openManifestReader } from "./manifest-reader.js";
import { parseImageReference } from "./parse-image-reference.js";

/**
 * Summarises what `reference` names. An index lists its images (attestations and `unknown/unknown`
 * entries left out) and describes the one for `platform` — or for `linux/<this CPU>` (core's
 * `defaultPlatforms`), when the index has one (an explicit `platform` it lacks is a `NotFoundError`). An
 * image manifest describes itself; asked for an explicit `platform`, it must be for it. The
 * image part holds the config's `created`, labels and how a container runs (`Env`, `Entrypoint`, `Cmd`,
 * `User`, `WorkingDir`, exposed ports), the layers, their size and the total with the config, as stored
 * (compressed). Artifacts (whose config is not an image config) have no image part; their
 * `artifactType` (or else the config's media type, as OCI 1.1 defines it) is reported instead.
 */
export async function inspectImage(
  context: ClientContext,
  reference: string,
  options: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<InspectResult> {
  const { reader: remote, reference: name } = await openManifestReader(context, reference, options.signal);
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const top = await remote.getManifest(name, call);
  const result: InspectResult = {
    reference: isRegistryInput(reference) ? formatReference(parseImageReference(reference)) : reference,
    digest: top.descriptor.digest,
    mediaType: top.descriptor.mediaType,
    size: top.descriptor.size,
  };
  const annotations = top.parsed.manifest.annotations;
  if (annotations !== undefined) result.annotations = { ...annotations };
  const artifactType = artifactTypeOf(top.parsed);
  if (artifactType !== undefined) result.artifactType = artifactType;
  if (top.parsed.kind === "image") {
    const image = await describeImage(remote, top.parsed.manifest, undefined, call);
    if (image !== undefined) {
      if (options.platform !== undefined)
        checkImagePlatform(result.reference, image.config, [options.platform]);
      result.image = image.summary;
    }
    return result;
  }
  const entries = selectManifests(top.parsed.manifest, "all");
  result.platforms = entries.flatMap((entry) =>
    entry.platform === undefined
      ? []
      : [{ platform: entry.platform, digest: entry.digest, size: entry.size }],
  );
  let entry: Descriptor;
  try {
    entry = selectPlatformEntry(top.parsed.manifest, options.platform);
  } catch (error) {
    // Without an explicit platform, an index for other machines is still worth listing.
    if (options.platform === undefined && NotFoundError.isInstance(error)) return result;
    throw error;
  }
  const child = await remote.getManifest(entry.digest, call);
  if (child.parsed.kind === "image") {
    const image = await describeImage(remote, child.parsed.manifest, entry.platform, call);
    if (image !== undefined) result.image = image.summary;
  }
  return result;
}

async function describeImage(
  remote: ManifestReader,
  manifest: ImageManifest,
  entryPlatform: Platform | undefined,
  call: { signal?: AbortSignal },
): Promise<{ summary: NonNullable<InspectResult["image"]>; config: ImageConfig } | undefined> {
  if (!hasImageConfig(manifest)) return undefined;
  const config: ImageConfig = parseImageConfig(
    await readAll(await remote.fetch(manifest.config, call), maxImageConfigBytes),
  );
  const layers = manifest.layers.map((layer) => ({
    digest: layer.digest,
    mediaType: layer.mediaType,
    size: layer.size,
  }));
  const layersSize = layers.reduce((sum, layer) => sum + layer.size, 0);
  const run = config.config ?? {};
  const summary: NonNullable<InspectResult["image"]> = {
    platform: entryPlatform ?? configPlatform(config),
    ...(config.created === undefined ? {} : { created: config.created }),
    labels: { ...run.Labels },
    ...(run.Env === undefined ? {} : { env: [...run.Env] }),
    ...(run.Entrypoint === undefined ? {} : { entrypoint: [...run.Entrypoint] }),
    ...(run.Cmd === undefined ? {} : { cmd: [...run.Cmd] }),
    ...(run.User === undefined || run.User === "" ? {} : { user: run.User }),
    ...(run.WorkingDir === undefined || run.WorkingDir === "" ? {} : { workingDir: run.WorkingDir }),
    ...(run.ExposedPorts === undefined ? {} : { exposedPorts: Object.keys(run.ExposedPorts).sort() }),
    layers,
    layersSize,
    totalSize: manifest.config.size + layersSize,
    config: { digest: manifest.config.digest, size: manifest.config.size },
  };
  return { summary, config };
}

/**
 * An artifact's type (OCI 1.1 §`artifactType`): the manifest's `artifactType`, or for a manifest whose
 * config is no image config, the config's media type. Images and plain indexes have none.
 */
function artifactTypeOf(parsed: ParsedManifest): string | undefined {
  if (parsed.manifest.artifactType !== undefined) return parsed.manifest.artifactType;
  if (parsed.kind !== "image" || hasImageConfig(parsed.manifest)) return undefined;
  return parsed.manifest.config.mediaType;
}
