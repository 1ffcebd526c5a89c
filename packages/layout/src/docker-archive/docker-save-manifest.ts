import type { Descriptor } from "@stevedore/core";
import { LocalFormatError } from "@stevedore/core";
import { checkDescriptor, parseJson } from "../layout-index.js";

/** One image of a `docker save` archive's `manifest.json` (`spec/PROTOCOL.md` §13.2). */
export interface DockerSaveEntry {
  /** Path of the image config inside the archive. */
  config: string;
  /** Names such as `nginx:latest`; empty for an untagged image. */
  repoTags: string[];
  /** Paths of the layer files, base first. */
  layers: string[];
  /** Descriptors of layers by DiffID, for foreign layers that may be absent from the archive. */
  layerSources: Record<string, Descriptor>;
}

/** Parses `manifest.json`; every problem is a one-line `LocalFormatError` naming `where`. */
export function parseDockerSaveManifest(bytes: Uint8Array, where: string): DockerSaveEntry[] {
  const value = parseJson(bytes, where);
  if (!Array.isArray(value)) throw new LocalFormatError(`${where}: expected a JSON array`);
  return value.map((item, index) => {
    const at = `${where}: [${index}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw new LocalFormatError(`${at} is not an object`);
    }
    const entry = item as Record<string, unknown>;
    if (typeof entry.Config !== "string" || entry.Config === "") {
      throw new LocalFormatError(`${at}.Config must be a non-empty string`);
    }
    const repoTags = entry.RepoTags ?? [];
    if (!Array.isArray(repoTags) || !repoTags.every((tag) => typeof tag === "string")) {
      throw new LocalFormatError(`${at}.RepoTags must be an array of strings or null`);
    }
    const layers = entry.Layers ?? [];
    if (!Array.isArray(layers) || !layers.every((layer) => typeof layer === "string" && layer !== "")) {
      throw new LocalFormatError(`${at}.Layers must be an array of paths`);
    }
    const sources = entry.LayerSources ?? {};
    if (typeof sources !== "object" || sources === null || Array.isArray(sources)) {
      throw new LocalFormatError(`${at}.LayerSources must be an object`);
    }
    for (const [diffId, descriptor] of Object.entries(sources)) {
      checkDescriptor(descriptor, `${at}.LayerSources[${JSON.stringify(diffId.slice(0, 80))}]`);
    }
    return {
      config: entry.Config,
      repoTags: repoTags as string[],
      layers: layers as string[],
      layerSources: sources as Record<string, Descriptor>,
    };
  });
}
