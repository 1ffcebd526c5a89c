// `node tools/bench/h2.ts [--runs N] [--quick]`: undici's HTTP/2 (`allowH2`) against HTTP/1.1 for blob
// downloads from distribution 2.8 over TLS (a throwaway certificate), alternating, N runs each (default 3):
//
//   small  the blobs of case (c) (500 × 64 KiB; 100 with --quick), 8 at a time
//   large  the blob of case (a) (1 GiB; 64 MiB with --quick), alone
//
// under GNU time (wall, CPU, peak RSS), each body hashed as a pull does (h2-child.ts). It first checks with
// ALPN which protocol the registry picks when offered both (docs/decisions/0009-http2-option.md).

import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "node:tls";
import { parseArgs } from "node:util";
import { startRegistry } from "../registry/start-registry.ts";
import { fullCases, quickCases } from "./cases.ts";
import { seedArguments, skopeoEnvironment } from "./contestants.ts";
import { defaultCacheDirectory, ensureLayout } from "./generate.ts";
import { readImageGraph } from "./image-graph.ts";
import { measure, type Sample } from "./measure.ts";
import { findProcess } from "./proc-stat.ts";
import { spread } from "./statistics.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    cache: { type: "string", default: defaultCacheDirectory() },
  },
});
const runs = Number(values.runs);
const cases = values.quick ? quickCases : fullCases;
const child = join(import.meta.dirname, "h2-child.ts");

const registry = await startRegistry({ mode: "open", tls: true });
const caFile = registry.caFile ?? "";
const registryPid = findProcess(["docker-registry", registry.dir]);
const work = await mkdtemp(join(values.cache, "h2-"));
const rows: string[] = [];
try {
  const alpn = await new Promise<string>((resolve, reject) => {
    const url = new URL(registry.url);
    const socket = connect(
      {
        host: url.hostname,
        port: Number(url.port),
        ca: readFileSync(caFile),
        ALPNProtocols: ["h2", "http/1.1"],
      },
      () => {
        resolve(String(socket.alpnProtocol));
        socket.end();
      },
    );
    socket.once("error", reject);
  });
  console.log(`registry ${registry.url} picks ${alpn} when offered h2 and http/1.1`);
  for (const [label, name, concurrency] of [
    ["small", "c", 8],
    ["large", "a", 1],
  ] as const) {
    const benchCase = cases.find((item) => item.name === name);
    if (benchCase === undefined) throw new Error(`case ${name} is missing`);
    const layout = await ensureLayout(benchCase, values.cache, console.log);
    const { blobs } = await readImageGraph(layout);
    const repository = `h2/${name}`;
    const cache = await mkdtemp(join(work, "skopeo-cache-"));
    await measure("skopeo", seedArguments(layout, `${registry.host}/${repository}:v1`), {
      env: skopeoEnvironment(cache),
    });
    const urls = blobs.map((digest) => `${registry.url}/v2/${repository}/blobs/${digest}`);
    const samples = new Map<string, Sample[]>([
      ["h1", []],
      ["h2", []],
    ]);
    for (let run = 1; run <= runs; run++) {
      for (const way of ["h1", "h2"]) {
        const sample = await measure(process.execPath, [child, way, caFile, String(concurrency), ...urls], {
          ...(registryPid !== undefined && { registryPid }),
        });
        samples.get(way)?.push(sample);
        console.log(
          `${label} run ${run} ${way}: ${sample.wall.toFixed(2)} s, CPU ${(sample.user + sample.system).toFixed(2)} s, ${sample.peakRss.toFixed(0)} MiB`,
        );
      }
    }
    const h1 = samples.get("h1") ?? [];
    const h2 = samples.get("h2") ?? [];
    const ratio = spread(h2.map((sample, index) => sample.wall / (h1[index]?.wall ?? Number.NaN)));
    for (const [way, list] of samples) {
      const wall = spread(list.map((sample) => sample.wall));
      const cpu = spread(list.map((sample) => sample.user + sample.system));
      const rss = spread(list.map((sample) => sample.peakRss));
      const registryCpu = spread(list.map((sample) => sample.registryCpu ?? Number.NaN));
      rows.push(
        `| ${label}: ${layout.title} | ${way} | ${wall.median.toFixed(2)} (${wall.min.toFixed(2)}–${wall.max.toFixed(2)}) | ${cpu.median.toFixed(2)} | ${rss.median.toFixed(0)} | ${registryCpu.median.toFixed(2)} | ${way === "h2" ? `${ratio.median.toFixed(2)} (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})` : ""} |`,
      );
    }
  }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
console.log(`\nMedians of ${runs} alternating runs (min–max):\n`);
console.log("| blobs | protocol | wall s | CPU s | peak RSS MiB | registry CPU s | h2 ÷ h1 |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
