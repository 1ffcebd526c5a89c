// `node tools/bench/body-path.ts [--runs N] [--stevedore PATH] [--cache DIR]`: where the time of pulling one
// 1 GiB blob (case a) goes on the client side, way by way (body-path-child.ts, under the CLI's
// `--max-semi-space-size=1`), alternating N rounds (default 3) against one registry on loopback, beside
// `stevedore pull` of the same image:
//
//   stevedore     `node --max-semi-space-size=1 <cli> pull … oci:DIR:v1 --quiet`, the whole command
//   read          undici on a plain Agent, body read and dropped
//   read-retry    the same through the transport's `compose([retry, redirect])` (the body path of a blob)
//   write         read + ~1 MiB positioned writev batches, overlapped (what writeVerifiedFile does)
//   write-sha256  write + sha256 on the main thread (the minimum of a verified pull on one thread)
//   write-worker  write + sha256 on a worker thread (chunks copied into 1 MiB batches)
//   ranges-2/4    2 or 4 parallel Range requests writing their parts at their positions, no hash
//
// Prints medians (min–max) of wall and CPU seconds, peak RSS, and the registry's CPU. Measures only; no limit.
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startRegistry } from "../registry/start-registry.ts";
import { fullCases } from "./cases.ts";
import { skopeoEnvironment } from "./contestants.ts";
import { defaultCacheDirectory, ensureLayout } from "./generate.ts";
import { readImageGraph } from "./image-graph.ts";
import { measure, type Sample } from "./measure.ts";
import { findProcess } from "./proc-stat.ts";
import { spread } from "./statistics.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    stevedore: { type: "string", default: join(import.meta.dirname, "../../packages/cli/dist/bin.js") },
    cache: { type: "string", default: defaultCacheDirectory() },
  },
});
const runs = Number(values.runs);
const child = join(import.meta.dirname, "body-path-child.ts");
const ways = [
  "stevedore",
  "read",
  "read-retry",
  "write",
  "write-sha256",
  "write-worker",
  "ranges-2",
  "ranges-4",
];

const benchCase = fullCases.find((item) => item.name === "a");
if (benchCase === undefined) throw new Error("case a is missing");
const layout = await ensureLayout(benchCase, values.cache, console.log);
const { blobs } = await readImageGraph(layout);
let layer = { digest: "", size: 0 };
for (const digest of blobs) {
  const { size } = await stat(join(layout.directory, "blobs", "sha256", digest.slice("sha256:".length)));
  if (size > layer.size) layer = { digest, size };
}

const registry = await startRegistry({ mode: "open" });
const registryPid = findProcess(["docker-registry", registry.dir]);
const cpu = registryPid === undefined ? {} : { registryPid };
const work = await mkdtemp(join(values.cache, "body-path-"));
const samples = new Map<string, Sample[]>();
try {
  const cache = await mkdtemp(join(work, "skopeo-cache-"));
  await measure(
    "skopeo",
    [
      "copy",
      "--quiet",
      "--dest-tls-verify=false",
      "--preserve-digests",
      `oci:${layout.directory}:${layout.tag}`,
      `docker://${registry.host}/body-path/a:v1`,
    ],
    { env: skopeoEnvironment(cache) },
  );
  const url = `${registry.url}/v2/body-path/a/blobs/${layer.digest}`;
  for (let run = 1; run <= runs; run++) {
    for (const way of ways) {
      const directory = join(work, `${way}-${run}`);
      await mkdir(directory, { recursive: true });
      try {
        const sample =
          way === "stevedore"
            ? await measure(
                process.execPath,
                [
                  "--max-semi-space-size=1",
                  values.stevedore,
                  "pull",
                  `${registry.host}/body-path/a:v1`,
                  `oci:${directory}:v1`,
                  "--quiet",
                ],
                cpu,
              )
            : await measure(
                process.execPath,
                ["--max-semi-space-size=1", child, way, url, String(layer.size), join(directory, "blob")],
                cpu,
              );
        samples.set(way, [...(samples.get(way) ?? []), sample]);
        console.log(
          `run ${run} ${way}: ${sample.wall.toFixed(2)} s, CPU ${(sample.user + sample.system).toFixed(2)} s`,
        );
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    }
  }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}

const text = (list: number[]): string => {
  const { median, min, max } = spread(list);
  return `${median.toFixed(2)} (${min.toFixed(2)}–${max.toFixed(2)})`;
};
console.log(`\nOne ${(layer.size / 2 ** 20).toFixed(0)} MiB blob, medians of ${runs} runs (min–max):\n`);
console.log("| way | wall s | CPU s | peak RSS MiB | registry CPU s | others CPU s |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const way of ways) {
  const list = samples.get(way) ?? [];
  console.log(
    `| ${way} | ${text(list.map((item) => item.wall))} | ${text(list.map((item) => item.user + item.system))} | ${spread(list.map((item) => item.peakRss)).median.toFixed(0)} | ${text(list.map((item) => item.registryCpu ?? Number.NaN))} | ${text(list.map((item) => item.otherCpu))} |`,
  );
}
