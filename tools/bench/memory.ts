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
import { startRegistry } from "../registry/start-registry.ts";
import { fullCases } from "./cases.ts";
import { ensureLayout } from "./generate.ts";
import { readImageGraph } from "./image-graph.ts";
import { measure, type Sample } from "./measure.ts";
import { logSample, memoryBenchOptions, printMemoryTable } from "./memory-runs.ts";

const values = memoryBenchOptions();
const { runs, limit } = values;
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
  for (const [host, trust] of [
    [registry.host, []],
    [tlsRegistry.host, ["--ca-file", caFile]],
  ] as const) {
    const image = `oci:${layout.directory}:${layout.tag}`;
    await measure(process.execPath, [
      values.stevedore,
      "push",
      image,
      `${host}/bench/memory:v1`,
      "--quiet",
      ...trust,
    ]);
  }
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
      logSample(run, way, sample);
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
const peaks = printMemoryTable("way", samples);
for (const way of ["cli", "cli-tls"] as const) {
  const peak = peaks.get(way) ?? 0;
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
