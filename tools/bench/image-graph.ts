import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { GeneratedLayout } from "./generate.ts";

/** Every digest of an image in a layout: its manifests (root first) and its distinct blobs. */
export interface ImageGraph {
  manifests: string[];
  blobs: string[];
  /** Each blob's size in bytes, by digest. */
  sizes: Map<string, number>;
}

interface Descriptor {
  digest: string;
  size: number;
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
  const sizes = new Map<string, number>();
  const pending = [layout.digest];
  for (let digest = pending.shift(); digest !== undefined; digest = pending.shift()) {
    manifests.push(digest);
    const document = await read(digest);
    for (const child of document.manifests ?? []) pending.push(child.digest);
    for (const blob of [...(document.config ? [document.config] : []), ...(document.layers ?? [])]) {
      blobs.add(blob.digest);
      sizes.set(blob.digest, blob.size);
    }
  }
  return { manifests, blobs: [...blobs], sizes };
}
