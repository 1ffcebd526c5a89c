// `node tools/bench/tls-path.ts [--runs N] [--quick] [--case a,b] [--way …] [--arena-max N]
// [--stevedore PATH] [--cache DIR]`: the floor of one Node thread pulling large blobs over TLS, and the
// same pipeline on two worker threads (issue 18), against `skopeo copy` and `stevedore pull` of the same
// image from the same registry (distribution 2.8 over HTTPS with a throwaway certificate), alternating way
// by way, N rounds (default 3):
//
//   skopeo          `skopeo copy --src-cert-dir … docker://… oci:DIR:v1`
//   stevedore       `node <cli> pull … oci:DIR:v1 --quiet --ca-file …` (h2 offered, the default)
//   stevedore-h1    the same with `--no-http2`
//   read-h1/h2      tls-path-child.ts: undici over TLS on the main thread, bodies dropped
//   hash-h1/h2      + sha256 on the main thread
//   main-h1/h2      + positioned writes: a verified pull's body path on one thread
//   workers-h1/h2   the whole pipeline on 2 worker threads (blobs shared out; one blob as 2 `Range` halves)
//
// Blobs go 2 at a time in every child way; the child runs with the CLI's young-generation regime (a 1 MiB
// semi-space and a minor collection on a timer in every thread, record 0002). Prints medians (min–max) of
// wall and CPU seconds, peak RSS, the registry's CPU, and each way's wall over skopeo's in the same round.
// Measures only; no limit.
import { copyFile, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startRegistry } from "../registry/start-registry.ts";
import { fullCases, quickCases } from "./cases.ts";
import { seedArguments, skopeoEnvironment } from "./contestants.ts";
import { defaultCacheDirectory, ensureLayout } from "./generate.ts";
import { readImageGraph } from "./image-graph.ts";
import { measure, type Sample } from "./measure.ts";
import { findProcess } from "./proc-stat.ts";
import { spread } from "./statistics.ts";

const allWays = [
  "skopeo",
  "stevedore",
  "stevedore-h1",
  "read-h1",
  "read-h2",
  "hash-h1",
  "hash-h2",
  "main-h1",
  "main-h2",
  "workers-h1",
  "workers-h2",
];
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    "arena-max": { type: "string" },
    case: { type: "string", multiple: true, default: ["a,b"] },
    way: { type: "string", multiple: true, default: [allWays.join(",")] },
    stevedore: { type: "string", default: join(import.meta.dirname, "../../packages/cli/dist/bin.js") },
    cache: { type: "string", default: defaultCacheDirectory() },
  },
});
const runs = Number(values.runs);
const caseNames = values.case.flatMap((item) => item.split(","));
const ways = values.way.flatMap((item) => item.split(","));
for (const way of ways) if (!allWays.includes(way)) throw new Error(`unknown way ${way}`);
if (!ways.includes("skopeo")) ways.unshift("skopeo");
const child = join(import.meta.dirname, "tls-path-child.ts");
// `--arena-max N`: glibc's MALLOC_ARENA_MAX for every way but skopeo (each thread may get a malloc arena).
const nodeEnvironment = {
  env: {
    ...process.env,
    ...(values["arena-max"] !== undefined && { MALLOC_ARENA_MAX: values["arena-max"] }),
  },
};

const registry = await startRegistry({ mode: "open", tls: true });
const caFile = registry.caFile ?? "";
const registryPid = findProcess(["docker-registry", registry.dir]);
const cpu = registryPid === undefined ? {} : { registryPid };
const work = await mkdtemp(join(values.cache, "tls-path-"));
const certDirectory = join(work, "certs");
await mkdir(certDirectory, { recursive: true });
await copyFile(caFile, join(certDirectory, "ca.crt"));
const tables: string[] = [];
try {
  for (const name of caseNames) {
    const benchCase = (values.quick ? quickCases : fullCases).find((item) => item.name === name);
    if (benchCase === undefined) throw new Error(`case ${name} is missing`);
    const layout = await ensureLayout(benchCase, values.cache, console.log);
    const { blobs } = await readImageGraph(layout);
    const repository = `tls-path/${name}`;
    const seedCache = await mkdtemp(join(work, "skopeo-cache-"));
    await measure("skopeo", seedArguments(layout, `${registry.host}/${repository}:v1`), {
      env: skopeoEnvironment(seedCache),
    });
    // The layers: every blob of 16 MiB and more (the config and manifest are not the point here).
    const layers: string[] = [];
    for (const digest of blobs) {
      const path = join(layout.directory, "blobs", "sha256", digest.slice("sha256:".length));
      const { size } = await stat(path);
      if (size >= 16 * 2 ** 20) layers.push(`${registry.url}/v2/${repository}/blobs/${digest}#${size}`);
    }
    const samples = new Map<string, Sample[]>(ways.map((way) => [way, []]));
    // Rounds start at 0: a warm-up round, not counted.
    for (let run = 0; run <= runs; run++) {
      for (const way of ways) {
        const directory = join(work, `${way}-${run}`);
        await mkdir(directory, { recursive: true });
        try {
          const reference = `${registry.host}/${repository}:v1`;
          const sample =
            way === "skopeo"
              ? await measure(
                  "skopeo",
                  [
                    "copy",
                    "--quiet",
                    "--src-cert-dir",
                    certDirectory,
                    "--preserve-digests",
                    `docker://${reference}`,
                    `oci:${directory}/image:v1`,
                  ],
                  { ...cpu, env: skopeoEnvironment(await mkdtemp(join(work, "skopeo-cache-"))) },
                )
              : way.startsWith("stevedore")
                ? await measure(
                    process.execPath,
                    [
                      values.stevedore,
                      "pull",
                      reference,
                      `oci:${directory}/image:v1`,
                      "--quiet",
                      "--ca-file",
                      caFile,
                      ...(way === "stevedore-h1" ? ["--no-http2"] : []),
                    ],
                    { ...cpu, ...nodeEnvironment },
                  )
                : await measure(
                    process.execPath,
                    ["--max-semi-space-size=1", "--expose-gc", child, way, caFile, directory, ...layers],
                    { ...cpu, ...nodeEnvironment },
                  );
          if (run > 0) samples.get(way)?.push(sample);
          console.log(
            `${name} ${run === 0 ? "warm-up" : `run ${run}`} ${way}: ${sample.wall.toFixed(2)} s, CPU ${(sample.user + sample.system).toFixed(2)} s, ${sample.peakRss.toFixed(0)} MiB`,
          );
        } finally {
          await rm(directory, { recursive: true, force: true });
        }
      }
    }
    const text = (list: number[], digits = 2): string => {
      const { median, min, max } = spread(list);
      return `${median.toFixed(digits)} (${min.toFixed(digits)}–${max.toFixed(digits)})`;
    };
    const skopeo = samples.get("skopeo") ?? [];
    const rows = [
      `\nCase (${name}) ${layout.title} over TLS, medians of ${runs} rounds (min–max):\n`,
      "| way | wall s | ÷ skopeo (same round) | CPU s | peak RSS MiB | registry CPU s | others CPU s |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    ];
    for (const way of ways) {
      const list = samples.get(way) ?? [];
      rows.push(
        `| ${way} | ${text(list.map((item) => item.wall))} | ${text(
          list.map((item, index) => item.wall / (skopeo[index]?.wall ?? Number.NaN)),
          3,
        )} | ${text(list.map((item) => item.user + item.system))} | ${spread(list.map((item) => item.peakRss)).median.toFixed(0)} | ${text(list.map((item) => item.registryCpu ?? Number.NaN))} | ${text(list.map((item) => item.otherCpu))} |`,
      );
    }
    tables.push(rows.join("\n"));
    console.log(rows.join("\n"));
  }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
console.log(`\n${tables.join("\n")}`);
