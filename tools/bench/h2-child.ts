// One way of fetching blobs over TLS, for h2.ts (which measures it under GNU time):
//
//   node tools/bench/h2-child.ts h1|h2 CA_FILE|- CONCURRENCY URL...
//
// Every URL is fetched with undici `request()` on an Agent with `allowH2` off (h1) or on (h2), CONCURRENCY at
// a time, each body hashed with sha256 (and checked against the digest the URL ends with) as a pull does.
// `-` for CA_FILE trusts nothing extra (plain HTTP). limits.ts runs it as the bare Node floor of pull (c).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
// undici as the transport package has it (tools/ has no dependencies of its own).
import { Agent, request } from "../../packages/transport/node_modules/undici/index.js";

const [way = "", caFile = "", concurrencyText = "", ...urls] = process.argv.slice(2);
if (way !== "h1" && way !== "h2") throw new Error(`way must be h1 or h2, got ${way}`);
const agent = new Agent({
  allowH2: way === "h2",
  connect: caFile === "-" ? {} : { ca: readFileSync(caFile, "utf8") },
});
let next = 0;
const worker = async (): Promise<void> => {
  while (next < urls.length) {
    const url = urls[next++] as string;
    const response = await request(url, { dispatcher: agent });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode}`);
    const hash = createHash("sha256");
    for await (const chunk of response.body) hash.update(chunk as Uint8Array);
    const digest = `sha256:${hash.digest("hex")}`;
    if (!url.endsWith(digest)) throw new Error(`${url}: got ${digest}`);
  }
};
await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
await agent.close();
