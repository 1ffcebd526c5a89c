// The floor of a pull of many small blobs (case c) for any Node client, for limits.ts and run.ts: the
// least a pull must do with each blob —
//
//   node tools/bench/pull-floor-child.ts h1|h2 CA_FILE|- CONCURRENCY DIRECTORY URL...
//
// Every URL (a blob, its digest at the end) is fetched with undici `request()` on an Agent with `allowH2`
// off (h1) or on (h2), CONCURRENCY at a time; each body is gathered, hashed with sha256 and checked, then
// written to DIRECTORY/blobs/sha256/<hex> as an OCI layout's small blobs are (record 0020): a temp file
// created, written, closed and renamed into place with direct calls, no fsync. No manifest, no auth, no
// CLI, no layers. `-` for CA_FILE trusts nothing extra (plain HTTP).
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writevSync } from "node:fs";
import { join } from "node:path";
import type * as Undici from "../../packages/transport/node_modules/undici/index.js";
// @ts-expect-error undici's own files have no declarations: typed below from its index's.
import requestModule from "../../packages/transport/node_modules/undici/lib/api/api-request.js";
// @ts-expect-error undici's own files have no declarations: typed below from its index's.
import agentModule from "../../packages/transport/node_modules/undici/lib/dispatcher/agent.js";

// undici as the transport package has it (tools/ has no dependencies of its own): its Agent and request()
// only, not its index, which loads fetch, WebSocket and the rest (the CLI's bundle leaves them out too).
const Agent = agentModule as typeof Undici.Agent;
const request = requestModule as (
  this: Undici.Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData>;

const [way = "", caFile = "", concurrencyText = "", directory = "", ...urls] = process.argv.slice(2);
if (way !== "h1" && way !== "h2") throw new Error(`way must be h1 or h2, got ${way}`);
const agent = new Agent({
  allowH2: way === "h2",
  connect: caFile === "-" ? {} : { ca: readFileSync(caFile, "utf8") },
});
const blobs = join(directory, "blobs", "sha256");
mkdirSync(blobs, { recursive: true });
let next = 0;
const worker = async (): Promise<void> => {
  while (next < urls.length) {
    const index = next++;
    const url = urls[index] as string;
    const { origin, pathname } = new URL(url);
    const response = await request.call(agent, { origin, path: pathname, method: "GET" });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode}`);
    const hash = createHash("sha256");
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) {
      hash.update(chunk as Buffer);
      chunks.push(chunk as Buffer);
    }
    const hex = hash.digest("hex");
    if (!url.endsWith(`sha256:${hex}`)) throw new Error(`${url}: got sha256:${hex}`);
    const path = join(blobs, hex);
    const temporary = join(blobs, `.${hex}.${index}.tmp`);
    const descriptor = openSync(temporary, "wx", 0o644);
    const written = writevSync(descriptor, chunks);
    closeSync(descriptor);
    if (written !== chunks.reduce((sum, chunk) => sum + chunk.length, 0))
      throw new Error(`${url}: short write`);
    renameSync(temporary, path);
  }
};
await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
await agent.close();
