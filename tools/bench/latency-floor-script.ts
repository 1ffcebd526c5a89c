import { manifestAccept } from "./manifest-accept.ts";

/**
 * The floor of any Node client for a pull (`requests.ts --floor`): a bare `node` with nothing but node:http
 * reads the root manifest, then every child manifest at once, then every blob at once, and throws the bytes
 * away — no hashing, no files, no CLI. Its time is Node's start plus the serial round trips plus the bytes.
 *
 * Run as `node -e latencyFloorScript BASE REPOSITORY TAG`, not as a `.ts` file with an ES module import of
 * node:http: type stripping and node:http's facade (which loads Node's WebSocket) would be timed too
 * (docs/decisions/0019-lighter-start.md).
 */
export const latencyFloorScript = `
const [base, repository, tag] = process.argv.slice(1);
const { Agent, get } = process.getBuiltinModule("node:http");
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const accept = ${JSON.stringify(manifestAccept)};
function fetchBody(path, keep) {
  return new Promise((resolve, reject) => {
    get(base + "/v2/" + repository + "/" + path, { agent, headers: { accept } }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => keep && chunks.push(chunk));
      response.on("end", () =>
        response.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(path + ": " + response.statusCode)),
      );
      response.on("error", reject);
    }).on("error", reject);
  });
}
const manifest = async (reference) => JSON.parse((await fetchBody("manifests/" + reference, true)).toString("utf8"));
(async () => {
  const root = await manifest(tag);
  const images = root.manifests ? await Promise.all(root.manifests.map((child) => manifest(child.digest))) : [root];
  const blobs = new Set(images.flatMap((image) => [image.config?.digest ?? [], ...(image.layers ?? []).map((layer) => layer.digest)].flat()));
  await Promise.all([...blobs].map((digest) => fetchBody("blobs/" + digest, false)));
  agent.destroy();
})().catch((error) => {
  process.stderr.write(String(error) + "\\n");
  process.exitCode = 1;
});
`;
