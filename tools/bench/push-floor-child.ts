// The floor of a push, for `limits.ts`: the least any client must do to put blobs into distribution —
// `POST /v2/<name>/blobs/uploads/` then `PUT <location>&digest=…` with the bytes (distribution 2.8 has no
// single-request upload) — with Node's built-in `fetch` (undici, keep-alive), `CONCURRENCY` at a time, the bytes read before the clock starts,
// no HEADs, no verification, no manifest. What stays is the registry's own cost plus HTTP.
//
//   node tools/bench/push-floor-child.ts URL REPOSITORY LAYOUT_DIR CONCURRENCY DIGEST…
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const [url, repository, directory, concurrencyText, ...digests] = process.argv.slice(2);
if (!url || !repository || !directory || !concurrencyText || digests.length === 0) {
  console.error("usage: push-floor-child.ts URL REPOSITORY LAYOUT_DIR CONCURRENCY DIGEST…");
  process.exit(2);
}
const concurrency = Number(concurrencyText);
const bodies = await Promise.all(
  digests.map((digest) => readFile(join(directory, "blobs", "sha256", digest.slice("sha256:".length)))),
);
let next = 0;
async function worker(): Promise<void> {
  for (let index = next++; index < digests.length; index = next++) {
    const started = await fetch(new URL(`/v2/${repository}/blobs/uploads/`, url), { method: "POST" });
    await started.arrayBuffer();
    if (started.status !== 202) throw new Error(`POST answered ${started.status}`);
    const location = new URL(String(started.headers.get("location")), url);
    location.searchParams.set("digest", digests[index]!);
    const body = bodies[index]!;
    const finished = await fetch(location, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body,
    });
    await finished.arrayBuffer();
    if (finished.status !== 201) throw new Error(`PUT answered ${finished.status}`);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
