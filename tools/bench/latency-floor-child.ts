// The floor of any Node client for a pull (`requests.ts --floor`): a bare `node` with nothing but node:http
// reads the root manifest, then every child manifest at once, then every blob at once, and throws the bytes
// away — no hashing, no files, no CLI. Its time is Node's start plus the serial round trips plus the bytes.
//
//   node tools/bench/latency-floor-child.ts http://HOST REPOSITORY TAG
import { Agent, get } from "node:http";
import { manifestAccept } from "./manifest-accept.ts";

const [base, repository, tag] = process.argv.slice(2) as [string, string, string];
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const accept = manifestAccept;

interface Manifest {
  manifests?: { digest: string }[];
  config?: { digest: string };
  layers?: { digest: string }[];
}

function fetchBody(path: string, keep: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(`${base}/v2/${repository}/${path}`, { agent, headers: { accept } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => keep && chunks.push(chunk));
      response.on("end", () =>
        response.statusCode === 200
          ? resolve(Buffer.concat(chunks))
          : reject(new Error(`${path}: ${response.statusCode}`)),
      );
      response.on("error", reject);
    }).on("error", reject);
  });
}

const manifest = async (reference: string): Promise<Manifest> =>
  JSON.parse((await fetchBody(`manifests/${reference}`, true)).toString("utf8")) as Manifest;

const root = await manifest(tag);
const images = root.manifests
  ? await Promise.all(root.manifests.map((child) => manifest(child.digest)))
  : [root];
const blobs = new Set(
  images.flatMap((image) =>
    [image.config?.digest ?? [], ...(image.layers ?? []).map((layer) => layer.digest)].flat(),
  ),
);
await Promise.all([...blobs].map((digest) => fetchBody(`blobs/${digest}`, false)));
agent.destroy();
