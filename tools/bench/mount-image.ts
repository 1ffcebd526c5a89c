import { getManifest, pushManifest, RawResponseError } from "../../packages/testing/src/index.ts";
import type { ImageGraph } from "./image-graph.ts";

/**
 * Puts an image that `source` holds into `destination` on the same registry with plain HTTP and no client
 * under test: every blob by a cross-repository mount (`POST …/blobs/uploads/?mount=&from=`), then the
 * manifests children first, the root also under `tag`. Seeds the "push when everything exists" runs.
 */
export async function mountImage(
  registryUrl: string,
  source: string,
  destination: string,
  tag: string,
  graph: ImageGraph,
): Promise<void> {
  for (let start = 0; start < graph.blobs.length; start += 16) {
    await Promise.all(
      graph.blobs.slice(start, start + 16).map(async (digest) => {
        const url = `${registryUrl}/v2/${destination}/blobs/uploads/?mount=${digest}&from=${source}`;
        const response = await fetch(url, { method: "POST" });
        await response.body?.cancel();
        if (response.status !== 201) {
          throw new RawResponseError(
            `mount ${digest} from ${source} into ${destination}`,
            response.status,
            "",
          );
        }
      }),
    );
  }
  const from = { url: registryUrl, repository: source };
  const to = { url: registryUrl, repository: destination };
  for (const digest of [...graph.manifests].reverse()) {
    const manifest = await getManifest(from, digest);
    const mediaType = manifest.mediaType ?? "application/vnd.oci.image.manifest.v1+json";
    await pushManifest(to, digest === graph.manifests[0] ? tag : digest, manifest.bytes, mediaType);
  }
}
