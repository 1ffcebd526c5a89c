// `pnpm bench:memory`: the peak memory of fetching one 1 GiB blob into an OCI image layout (issue 4: under
// 150 MiB RSS). Three ways, alternating, N runs each (default 3), peak RSS from GNU time:
//
//   cli          `stevedore pull HOST/bench/memory:v1 oci:DIR:v1`: the 1 GiB layer plus config and manifest
//   library      fetch-blob-child.ts: @stevedore/remote → @stevedore/layout in a plain `node` process
//   library-semi the same under `node --max-semi-space-size=1`, what packages/cli/README.md advises embedders
//   cli-tls      `stevedore pull` from a second registry serving HTTPS (a throwaway certificate, `--ca-file`)
//
// Needs `pnpm build`, GNU time and docker-registry (tools/bench/README.md). The 1 GiB layout is case (a) of
// the benchmark, generated once into the bench cache. Exits 1 when the CLI's median peak is over the limit.
//
//   node tools/bench/memory.ts [--runs N] [--limit MiB] [--stevedore PATH] [--cache DIR]
import { mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startRegistry } from "../registry/start-registry.ts";
import { fullCases } from "./cases.ts";
import { defaultCacheDirectory, ensureLayout } from "./generate.ts";
import { readImageGraph } from "./image-graph.ts";
import { measure, type Sample } from "./measure.ts";
import { spread } from "./statistics.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    limit: { type: "string", default: "150" },
    stevedore: { type: "string", default: join(import.meta.dirname, "../../packages/cli/dist/bin.js") },
    cache: { type: "string", default: defaultCacheDirectory() },
  },
});
const runs = Number(values.runs);
const limit = Number(values.limit);
const child = join(import.meta.dirname, "fetch-blob-child.ts");

const benchCase = fullCases.find((item) => item.name === "a");
if (benchCase === undefined) throw new Error("case (a) is missing from cases.ts");
const layout = await ensureLayout(benchCase, values.cache, console.log);
const graph = await readImageGraph(layout);
const blob = await largestBlob(layout.directory, graph.blobs);
const registry = await startRegistry({ mode: "open" });
const tlsRegistry = await startRegistry({ mode: "open", tls: true });
const caFile = tlsRegistry.caFile ?? "";
const scratch = await mkdtemp(join(values.cache, "memory-"));
const ways = ["cli", "library", "library-semi", "cli-tls"] as const;
const samples = new Map<(typeof ways)[number], Sample[]>(ways.map((way) => [way, []]));
try {
  await measure(process.execPath, [
    values.stevedore,
    "push",
    `oci:${layout.directory}:${layout.tag}`,
    `${registry.host}/bench/memory:v1`,
    "--quiet",
  ]);
  await measure(process.execPath, [
    values.stevedore,
    "push",
    `oci:${layout.directory}:${layout.tag}`,
    `${tlsRegistry.host}/bench/memory:v1`,
    "--quiet",
    "--ca-file",
    caFile,
  ]);
  for (let run = 1; run <= runs; run++) {
    for (const way of ways) {
      const directory = join(scratch, `${way}-${run}`);
      const args =
        way === "cli" || way === "cli-tls"
          ? [
              values.stevedore,
              "pull",
              `${(way === "cli" ? registry : tlsRegistry).host}/bench/memory:v1`,
              `oci:${directory}:v1`,
              "--quiet",
              ...(way === "cli-tls" ? ["--ca-file", caFile] : []),
            ]
          : [
              ...(way === "library-semi" ? ["--max-semi-space-size=1"] : []),
              child,
              registry.host,
              "bench/memory",
              blob.digest,
              String(blob.size),
              directory,
            ];
      const sample = await measure(process.execPath, args);
      samples.get(way)?.push(sample);
      console.log(
        `run ${run} ${way}: ${sample.wall.toFixed(2)} s, peak RSS ${sample.peakRss.toFixed(0)} MiB`,
      );
      await rm(directory, { recursive: true, force: true });
    }
  }
} finally {
  await registry.stop();
  await tlsRegistry.stop();
  await rm(scratch, { recursive: true, force: true });
}

console.log(
  `\nOne ${(blob.size / 2 ** 30).toFixed(2)} GiB blob into an OCI layout, ${runs} runs, median (min–max):\n`,
);
console.log("| way | peak RSS MiB | wall s |");
console.log("| --- | --- | --- |");
for (const way of ways) {
  const list = samples.get(way) ?? [];
  const rss = spread(list.map((sample) => sample.peakRss));
  const wall = spread(list.map((sample) => sample.wall));
  console.log(
    `| ${way} | ${rss.median.toFixed(0)} (${rss.min.toFixed(0)}–${rss.max.toFixed(0)}) | ${wall.median.toFixed(2)} (${wall.min.toFixed(2)}–${wall.max.toFixed(2)}) |`,
  );
}
for (const way of ["cli", "cli-tls"] as const) {
  const peak = spread((samples.get(way) ?? []).map((sample) => sample.peakRss)).median;
  console.log(
    `\nlimit ${limit} MiB: ${way}'s median peak is ${peak.toFixed(0)} MiB — ${peak <= limit ? "met" : "NOT met"}`,
  );
  if (peak > limit) process.exitCode = 1;
}

async function largestBlob(directory: string, digests: string[]): Promise<{ digest: string; size: number }> {
  let best = { digest: "", size: -1 };
  for (const digest of digests) {
    const { size } = await stat(join(directory, "blobs", "sha256", digest.slice("sha256:".length)));
    if (size > best.size) best = { digest, size };
  }
  return best;
}
