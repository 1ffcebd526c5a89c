import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { GeneratedLayout } from "./generate.ts";

/** Every digest of an image in a layout: its manifests (root first) and its distinct blobs. */
export interface ImageGraph {
  manifests: string[];
  blobs: string[];
}

interface Descriptor {
  digest: string;
}

interface ManifestOrIndex {
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

/** Reads the manifests of a generated layout, from its root down, and lists what a copy must carry. */
export async function readImageGraph(layout: GeneratedLayout): Promise<ImageGraph> {
  const read = async (digest: string): Promise<ManifestOrIndex> =>
    JSON.parse(
      await readFile(join(layout.directory, "blobs", "sha256", digest.slice("sha256:".length)), "utf8"),
    ) as ManifestOrIndex;
  const manifests: string[] = [];
  const blobs = new Set<string>();
  const pending = [layout.digest];
  for (let digest = pending.shift(); digest !== undefined; digest = pending.shift()) {
    manifests.push(digest);
    const document = await read(digest);
    for (const child of document.manifests ?? []) pending.push(child.digest);
    if (document.config) blobs.add(document.config.digest);
    for (const layer of document.layers ?? []) blobs.add(layer.digest);
  }
  return { manifests, blobs: [...blobs] };
}
