// One way of fetching blobs over TLS into files, for tls-path.ts (which measures it under GNU time) and, as
// `main`, the floor of a pull of large blobs that run.ts and limits.ts time beside stevedore (bundled by
// bundle-pull-floor.ts):
//
//   node tools/bench/tls-path-child.ts WAY CA_FILE DIRECTORY URL...
//
// Every URL ends with the blob's digest and is followed by `#SIZE`. Blobs go 2 at a time (the large-blob
// concurrency of record 0004 on 2 cores), each into DIRECTORY/<hex> (created if absent); `-` for CA_FILE
// trusts nothing extra (plain HTTP). WAY is KIND-h1 or KIND-h2 (undici's `allowH2` off or on) with KIND one of:
//
//   read      main thread: undici `request()` over TLS, body read and dropped (the floor of one thread)
//   hash      read + sha256 of every chunk on the main thread, checked against the digest
//   main      hash + ~1 MiB positioned `writev` batches, overlapped: a verified pull on one thread
//   workers   the whole pipeline of `main` (request, TLS, sha256, writes) on 2 worker threads, nothing but
//             the blob's URL crossing threads. Several blobs: each worker takes the next blob. One blob: each
//             worker fetches one `Range` half; the first hashes its half while writing it, then continues the
//             hash by reading the second half from the file as the other worker reports it written.
import { createHash, type Hash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { batchedWriter } from "./batched-writes.ts";

// undici as the transport package has it (tools/ has no dependencies of its own): its Agent and request()
// only, as the CLI's bundle has them; loaded only by the threads that fetch, so the main thread of `workers`
// holds no copy of it.
type Undici = typeof import("../../packages/transport/node_modules/undici/index.js");
type Agent = InstanceType<Undici["Agent"]>;
type Request = (this: Agent, options: Parameters<Agent["request"]>[0]) => ReturnType<Undici["request"]>;
const loadUndici = async (): Promise<{ Agent: Undici["Agent"]; request: Request }> => ({
  // @ts-expect-error undici's own files have no declarations: typed from its index's.
  Agent: (await import("../../packages/transport/node_modules/undici/lib/dispatcher/agent.js"))
    .default as Undici["Agent"],
  // @ts-expect-error undici's own files have no declarations: typed from its index's.
  request: (await import("../../packages/transport/node_modules/undici/lib/api/api-request.js"))
    .default as Request,
});
/** The agent of one thread: h2 offered or not, with undici's defaults as the transport has them. */
const agentOptions = (protocol: "h1" | "h2", ca: string | undefined): object => ({
  allowH2: protocol === "h2",
  connect: ca === undefined ? {} : { ca },
});

interface Blob {
  url: string;
  size: number;
  hex: string;
}

/** What one worker is told to do (its `workerData`). */
interface Job {
  protocol: "h1" | "h2";
  ca: string | undefined;
  directory: string;
  blobs: Blob[];
  /** Shared: [0] the next blob index to take; [1] bytes of the second half written (one-blob split). */
  shared: SharedArrayBuffer;
  /** One blob split in two: which half this worker fetches. */
  half?: 0 | 1;
}

const batchBytes = 1024 * 1024;

// Every thread collects its young generation as the CLI does (record 0002: a minor collection every 20 ms
// while more than 8 MiB of array buffers are held; the child runs with `--expose-gc`).
const collect = (globalThis as { gc?: (options: { type: "minor" }) => void }).gc;
if (collect !== undefined) {
  setInterval(() => {
    if (process.memoryUsage().arrayBuffers > 8 * 1024 * 1024) collect({ type: "minor" });
  }, 20).unref();
}

if (isMainThread) await main();
else await runJob(workerData as Job);

async function main(): Promise<void> {
  const [way = "", caFile = "", directory = "", ...specs] = process.argv.slice(2);
  const [kind = "", protocol] = way.split("-");
  if (protocol !== "h1" && protocol !== "h2") throw new Error(`way must end in -h1 or -h2, got ${way}`);
  const blobs = specs.map((spec): Blob => {
    const [url = "", size = ""] = spec.split("#");
    return { url, size: Number(size), hex: url.slice(url.lastIndexOf(":") + 1) };
  });
  const ca = caFile === "-" ? undefined : readFileSync(caFile, "utf8");
  mkdirSync(directory, { recursive: true });
  if (kind === "workers") {
    const shared = new SharedArrayBuffer(8);
    const single = blobs.length === 1;
    if (single) await (await open(join(directory, (blobs[0] as Blob).hex), "w")).close();
    const done = [0, 1].map(
      (index) =>
        new Promise<void>((resolve, reject) => {
          const job: Job = {
            protocol,
            ca,
            directory,
            blobs,
            shared,
            ...(single && { half: index as 0 | 1 }),
          };
          const worker = new Worker(new URL(import.meta.url), { workerData: job });
          worker.once("error", reject);
          worker.once("exit", (code) =>
            code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`)),
          );
        }),
    );
    await Promise.all(done);
    return;
  }
  if (kind !== "read" && kind !== "hash" && kind !== "main") throw new Error(`unknown way ${way}`);
  const { Agent, request } = await loadUndici();
  const agent = new Agent(agentOptions(protocol, ca));
  let next = 0;
  const take = async (): Promise<void> => {
    while (next < blobs.length) {
      const blob = blobs[next++] as Blob;
      const hash = kind === "read" ? undefined : createHash("sha256");
      const file = kind === "main" ? join(directory, blob.hex) : undefined;
      await fetchRange(request, agent, blob, 0, blob.size, hash, file);
      if (hash !== undefined) check(blob, hash);
    }
  };
  await Promise.all([take(), take()]);
  await agent.close();
}

async function runJob(job: Job): Promise<void> {
  const { Agent, request } = await loadUndici();
  const agent = new Agent(agentOptions(job.protocol, job.ca));
  const counters = new Int32Array(job.shared);
  if (job.half === undefined) {
    for (;;) {
      const index = Atomics.add(counters, 0, 1);
      const blob = job.blobs[index];
      if (blob === undefined) break;
      const hash = createHash("sha256");
      await fetchRange(request, agent, blob, 0, blob.size, hash, join(job.directory, blob.hex));
      check(blob, hash);
    }
  } else {
    const blob = job.blobs[0] as Blob;
    const middle = Math.ceil(blob.size / 2);
    const file = join(job.directory, blob.hex);
    if (job.half === 1) {
      await fetchRange(request, agent, blob, middle, blob.size, undefined, file, (written) => {
        Atomics.store(counters, 1, written);
        Atomics.notify(counters, 1);
      });
    } else {
      const hash = createHash("sha256");
      await fetchRange(request, agent, blob, 0, middle, hash, file);
      hashFromFile(file, hash, middle, blob.size, counters);
      check(blob, hash);
    }
  }
  await agent.close();
  parentPort?.close();
}

/** Continues `hash` over [start, end) of `file` as the other worker reports bytes written (counters[1]). */
function hashFromFile(file: string, hash: Hash, start: number, end: number, counters: Int32Array): void {
  const descriptor = openSync(file, "r");
  const buffer = Buffer.allocUnsafe(4 * batchBytes);
  let position = start;
  while (position < end) {
    const written = start + Atomics.load(counters, 1);
    if (written <= position) {
      Atomics.wait(counters, 1, written - start, 1000);
      continue;
    }
    const count = readSync(descriptor, buffer, 0, Math.min(buffer.length, written - position), position);
    hash.update(buffer.subarray(0, count));
    position += count;
  }
  closeSync(descriptor);
}

/**
 * GETs [start, end) of `blob` (a `Range` request unless the whole), hashing every chunk into `hash` and
 * writing ~1 MiB batches at their positions into `file` when given; `onWritten(bytes)` after each batch.
 */
async function fetchRange(
  request: Request,
  agent: Agent,
  blob: Blob,
  start: number,
  end: number,
  hash: Hash | undefined,
  file: string | undefined,
  onWritten?: (bytes: number) => void,
): Promise<void> {
  const whole = start === 0 && end === blob.size;
  const { origin, pathname } = new URL(blob.url);
  const response = await request.call(agent, {
    origin,
    path: pathname,
    method: "GET",
    headers: whole ? {} : { range: `bytes=${start}-${end - 1}` },
  });
  if (response.statusCode !== (whole ? 200 : 206)) throw new Error(`${blob.url}: ${response.statusCode}`);
  const handle = file === undefined ? undefined : await open(file, whole ? "w" : "r+");
  const writer = handle === undefined ? undefined : batchedWriter(handle, start, batchBytes, onWritten);
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    hash?.update(chunk);
    await writer?.add(chunk);
  }
  await writer?.finish();
  await handle?.close();
}

function check(blob: Blob, hash: Hash): void {
  const hex = hash.digest("hex");
  if (hex !== blob.hex) throw new Error(`${blob.url}: got sha256:${hex}`);
}
