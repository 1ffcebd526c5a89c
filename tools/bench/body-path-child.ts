// One way of fetching one blob into a file, for body-path.ts (which measures it under GNU time):
//
//   node tools/bench/body-path-child.ts WAY URL SIZE FILE
//
// read            undici `request()` on a plain Agent, body read and dropped
// read-retry      the same through `compose([retry, redirect])` with a per-request retry callback, as the
//                 transport dispatches (packages/transport/src/create-dispatcher.ts, create-send.ts)
// write           read + ~1 MiB `writev` batches at explicit positions, the next gathered while one is written
// write-sha256    write + sha256 of every chunk on the main thread (what a pull does)
// write-worker    write + sha256 on a worker thread (chunks copied into 1 MiB batches, transferred)
// ranges-N        N parallel `Range` requests, each writing its part at its position; no hash (an upper
//                 bound for "parallel ranges into one file, hashing in order")
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { Worker } from "node:worker_threads";
// undici as the transport package has it (tools/ has no dependencies of its own).
import {
  Agent,
  type Dispatcher,
  interceptors,
  request,
} from "../../packages/transport/node_modules/undici/index.js";
import { batchedWriter } from "./batched-writes.ts";

// The transport passes its own policy per request; this one never retries (nothing fails on loopback).
const giveUp = (error: Error, _state: unknown, callback: (error?: Error | null) => void): void =>
  callback(error);

const [way = "", url = "", sizeText = "", file = ""] = process.argv.slice(2);
const size = Number(sizeText);
const agent = new Agent({ connections: 16 });
const handle = await open(file, "w");

const hashWorker = way === "write-worker" ? startHashWorker() : undefined;
const hash = way === "write-sha256" ? createHash("sha256") : undefined;

if (way.startsWith("ranges-")) {
  const parts = Number(way.slice("ranges-".length));
  const step = Math.ceil(size / parts);
  await Promise.all(
    Array.from({ length: parts }, (_, index) =>
      fetchPart(agent, index * step, Math.min(size, (index + 1) * step)),
    ),
  );
} else {
  const dispatcher: Dispatcher =
    way === "read-retry"
      ? agent.compose([
          interceptors.retry({ throwOnError: false }),
          interceptors.redirect({ maxRedirections: 5, throwOnMaxRedirect: true }),
        ])
      : agent;
  await fetchPart(dispatcher, 0, size);
}
const digest = hash?.digest("hex") ?? (await hashWorker?.digest());
await handle.close();
await agent.close();
if (digest !== undefined) process.stderr.write(`sha256:${digest}\n`);

async function fetchPart(dispatcher: Dispatcher, start: number, end: number): Promise<void> {
  const whole = start === 0 && end === size;
  const response = await request(url, {
    dispatcher,
    headers: whole ? {} : { range: `bytes=${start}-${end - 1}` },
    ...(way === "read-retry" ? { retryOptions: { retry: giveUp } } : {}),
  } as Parameters<typeof request>[1]);
  const writing = way !== "read" && way !== "read-retry";
  const writer = batchedWriter(handle, start, 1024 * 1024);
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    hash?.update(chunk);
    if (hashWorker !== undefined) await hashWorker.update(chunk);
    if (writing) await writer.add(chunk);
  }
  await writer.finish();
}

function startHashWorker(): { update(chunk: Buffer): Promise<void>; digest(): Promise<string> } {
  const worker = new Worker(
    `const { parentPort } = require("node:worker_threads");
     const hash = require("node:crypto").createHash("sha256");
     parentPort.on("message", (message) => {
       if (message === "digest") return parentPort.postMessage(hash.digest("hex"));
       hash.update(new Uint8Array(message.buffer, 0, message.length));
       parentPort.postMessage(message.buffer, [message.buffer]);
     });`,
    { eval: true },
  );
  const free: ArrayBuffer[] = [];
  let allocated = 0;
  let waiting: (() => void) | undefined;
  let finishing: ((hex: string) => void) | undefined;
  worker.on("message", (message: ArrayBuffer | string) => {
    if (typeof message === "string") finishing?.(message);
    else {
      free.push(message);
      waiting?.();
      waiting = undefined;
    }
  });
  let batch: Uint8Array | undefined;
  let filled = 0;
  const send = (): void => {
    if (batch === undefined || filled === 0) return;
    worker.postMessage({ buffer: batch.buffer, length: filled }, [batch.buffer as ArrayBuffer]);
    batch = undefined;
    filled = 0;
  };
  return {
    async update(chunk) {
      let offset = 0;
      while (offset < chunk.length) {
        if (batch === undefined) {
          let buffer = free.pop();
          if (buffer === undefined && allocated < 4) {
            allocated++;
            buffer = new ArrayBuffer(1024 * 1024);
          }
          while (buffer === undefined) {
            await new Promise<void>((resolve) => {
              waiting = resolve;
            });
            buffer = free.pop();
          }
          batch = new Uint8Array(buffer);
        }
        const count = Math.min(chunk.length - offset, batch.length - filled);
        batch.set(chunk.subarray(offset, offset + count), filled);
        filled += count;
        offset += count;
        if (filled === batch.length) send();
      }
    },
    digest() {
      send();
      return new Promise((resolve) => {
        finishing = (hex) => {
          void worker.terminate();
          resolve(hex);
        };
        worker.postMessage("digest");
      });
    },
  };
}
