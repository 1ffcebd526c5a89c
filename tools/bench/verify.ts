import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ImageGraph } from "./image-graph.ts";
import { manifestAccept } from "./manifest-accept.ts";

const accept = manifestAccept;

/**
 * Checks that a pulled layout holds the image byte for byte (same root digest under `tag`, every manifest
 * and blob present), so a tool that is fast because it did less fails the run instead.
 */
export async function verifyLayout(directory: string, tag: string, graph: ImageGraph): Promise<void> {
  const index = JSON.parse(await readFile(join(directory, "index.json"), "utf8")) as {
    manifests?: { digest: string; annotations?: Record<string, string> }[];
  };
  const root = index.manifests?.find(
    (entry) => entry.annotations?.["org.opencontainers.image.ref.name"] === tag,
  );
  if (root?.digest !== graph.manifests[0]) {
    throw new Error(
      `${directory}: tag ${tag} is ${root?.digest ?? "missing"}, expected ${graph.manifests[0]}`,
    );
  }
  for (const digest of [...graph.manifests, ...graph.blobs]) {
    if (!existsSync(join(directory, "blobs", "sha256", digest.slice("sha256:".length)))) {
      throw new Error(`${directory}: blob ${digest} is missing`);
    }
  }
}

/** Checks that `repository:tag` on the registry points at the image and that every blob is in the repository. */
export async function verifyRepository(
  registryUrl: string,
  repository: string,
  tag: string,
  graph: ImageGraph,
): Promise<void> {
  const head = async (path: string): Promise<Response> =>
    fetch(`${registryUrl}/v2/${repository}/${path}`, { method: "HEAD", headers: { accept } });
  const tagged = await head(`manifests/${tag}`);
  const digest = tagged.headers.get("docker-content-digest");
  if (tagged.status !== 200 || digest !== graph.manifests[0]) {
    throw new Error(`${repository}:${tag} is ${tagged.status} ${digest}, expected ${graph.manifests[0]}`);
  }
  const paths = [
    ...graph.manifests.map((manifest) => `manifests/${manifest}`),
    ...graph.blobs.map((blob) => `blobs/${blob}`),
  ];
  for (let start = 0; start < paths.length; start += 16) {
    const answers = await Promise.all(paths.slice(start, start + 16).map(head));
    const missing = answers.findIndex((answer) => answer.status !== 200);
    if (missing !== -1) {
      throw new Error(`${repository}: ${paths[start + missing]} answers ${answers[missing]!.status}`);
    }
  }
}
