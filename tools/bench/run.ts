// One section of the benchmark: stevedore against `skopeo copy` on a real distribution registry on
// loopback. `pnpm bench` runs every section through all.ts; `pnpm bench --http|--tls|--s3` runs one here.
//
//   node tools/bench/run.ts [--quick] [--case a,b] [--operation pull,push] [--pairs N] [--cpu-prof] [--cache DIR] [--tls]
//   node tools/bench/run.ts --s3 [--case s,l] [--operation pull,push] [--pairs N] [--json FILE]
//
// Starts docker-registry (open mode; over HTTPS with a throwaway certificate with `--tls`; on Ceph radosgw
// with `--s3`, blob reads answered with 307 to storage, for the S3 cases and targets), generates or reuses the synthetic layouts (generate.ts), seeds the
// registry with skopeo, then for each case and operation runs stevedore and skopeo in turn (a warm-up pair,
// then N measured pairs), each in a fresh repository or output folder, under GNU time. Prints and writes
// the report to tools/bench/results/. Not part of `pnpm test`. See tools/bench/README.md.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startRegistry } from "../registry/start-registry.ts";
import { startS3Registry } from "../registry/start-s3-registry.ts";
import { bundlePullFloors } from "./bundle-pull-floor.ts";
import { type BenchCase, fullCases, quickCases, s3Cases } from "./cases.ts";
import {
  type ContestantOptions,
  largeBlobCases,
  type Operation,
  operations,
  type PullFloor,
} from "./contestants.ts";
import { type FixedCostResult, fixedCostTargets, measureFixedCost } from "./fixed-cost.ts";
import { defaultCacheDirectory, ensureLayout, type GeneratedLayout } from "./generate.ts";
import { type ImageGraph, readImageGraph } from "./image-graph.ts";
import { gnuTime, measure } from "./measure.ts";
import { findProcess } from "./proc-stat.ts";
import { type BenchResults, renderReport } from "./render-report.ts";
import { type RetriedRun, runCase } from "./run-case.ts";
import { sha256Speed } from "./sha256-speed.ts";
import { spread } from "./statistics.ts";
import { type RecordedSample, summarize } from "./summarize.ts";
import { checkTargets, s3RatioTargets, tlsRatioTargets } from "./targets.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const defaultStevedoreBin = join(root, "packages/cli/dist/bin.js");
const resultsDirectory = join(root, "tools/bench/results");

interface RunOptions {
  quick: boolean;
  cases: BenchCase[];
  operations: Operation[];
  pairs: number;
  cpuProfile: boolean;
  cacheDirectory: string;
  /** The CLI to race (a patched copy, say); the workspace build by default. */
  stevedoreBin: string;
  /** Extra `node` flags for stevedore's runs (`--max-semi-space-size=1`, say). */
  nodeOptions: string[];
  /** The registry serves HTTPS with a throwaway certificate made by openssl. */
  tls: boolean;
  /** The registry keeps blobs on Ceph radosgw and redirects blob reads there (`s3Cases`, S3 targets). */
  s3: boolean;
  /** Also write the results JSON here (all.ts reads it for the combined report). */
  json: string | undefined;
}

function parseOptions(argv: string[]): RunOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      case: { type: "string", multiple: true },
      operation: { type: "string", multiple: true },
      pairs: { type: "string" },
      "cpu-prof": { type: "boolean", default: false },
      cache: { type: "string" },
      stevedore: { type: "string" },
      "node-option": { type: "string", multiple: true },
      tls: { type: "boolean", default: false },
      s3: { type: "boolean", default: false },
      json: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(
      "usage: pnpm bench [--quick] [--case a,b,c,d] [--operation pull,push,push-existing,copy] [--pairs N]\n" +
        "                  [--cpu-prof] [--cache DIR] [--stevedore path/to/bin.js] [--node-option FLAG]... [--tls | --s3]\n" +
        "--s3: the registry on Ceph radosgw (307 to storage), cases s (3 × 8 MiB) and l (1 × 64 MiB), pull and push.\n" +
        "Races stevedore against skopeo on a local distribution registry; see tools/bench/README.md.",
    );
    process.exit(0);
  }
  const list = (given: string[] | undefined): string[] => given?.flatMap((item) => item.split(",")) ?? [];
  const wantedCases = list(values.case);
  if (values.s3 && values.tls)
    throw new Error("--s3 and --tls cannot be combined: the S3 registry is plain HTTP");
  const allCases = values.s3 ? s3Cases : values.quick ? quickCases : fullCases;
  const unknownCase = wantedCases.find((name) => !allCases.some((benchCase) => benchCase.name === name));
  if (unknownCase)
    throw new Error(`unknown case ${unknownCase}: choose from ${allCases.map((c) => c.name).join(", ")}`);
  // On S3 the issue's targets are a pull and a push; push-existing and copy may still be asked for.
  const wantedOperations = list(values.operation ?? (values.s3 ? ["pull,push"] : undefined));
  const unknownOperation = wantedOperations.find((name) => !operations.includes(name as Operation));
  if (unknownOperation)
    throw new Error(`unknown operation ${unknownOperation}: choose from ${operations.join(", ")}`);
  const pairs = values.pairs === undefined ? (values.quick ? 3 : 5) : Number(values.pairs);
  if (!Number.isInteger(pairs) || pairs < 1)
    throw new Error(`--pairs must be a positive integer, got ${values.pairs}`);
  return {
    quick: values.quick,
    cases: allCases.filter((benchCase) => wantedCases.length === 0 || wantedCases.includes(benchCase.name)),
    operations: operations.filter((name) => wantedOperations.length === 0 || wantedOperations.includes(name)),
    pairs,
    cpuProfile: values["cpu-prof"],
    cacheDirectory: values.cache ?? defaultCacheDirectory(),
    stevedoreBin: resolve(values.stevedore ?? defaultStevedoreBin),
    nodeOptions: values["node-option"] ?? [],
    tls: values.tls,
    s3: values.s3,
    json: values.json,
  };
}

function checkPrerequisites(stevedoreBin: string, s3: boolean): void {
  const missing: string[] = [];
  if (!existsSync(gnuTime)) missing.push(`${gnuTime} (apt-get install time)`);
  if (!existsSync(stevedoreBin)) missing.push(`${stevedoreBin} (run pnpm build)`);
  for (const [command, hint] of [
    ["skopeo", "apt-get install skopeo"],
    ["docker-registry", "apt-get install docker-registry"],
    ...(s3
      ? ([["radosgw", "apt-get install --no-install-recommends radosgw ceph-mon ceph-osd"]] as const)
      : []),
  ] as const) {
    try {
      execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    } catch {
      missing.push(`${command} (${hint})`);
    }
  }
  if (missing.length > 0) throw new Error(`missing: ${missing.join(", ")}`);
}

function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return `${command} (version unknown)`;
  }
}

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  checkPrerequisites(options.stevedoreBin, options.s3);
  const { stevedoreBin } = options;
  const started = performance.now();
  const date = new Date().toISOString();
  const loadAverageBefore = loadavg();
  // A folder of this run's own: another `pnpm bench` may be running beside it.
  await mkdir(options.cacheDirectory, { recursive: true });
  const work = await mkdtemp(join(options.cacheDirectory, "work-"));
  const profiles = join(resultsDirectory, "profiles", date.replaceAll(":", "-"));
  const contestants: ContestantOptions = {
    stevedoreBin,
    nodeArguments: [
      ...options.nodeOptions,
      ...(options.cpuProfile ? ["--cpu-prof", `--cpu-prof-dir=${profiles}`] : []),
    ],
    skopeoCacheDirectory: "",
  };

  console.log(`sha256 on one core …`);
  const sha256Rounds = sha256Speed();
  console.log(`  ${spread(sha256Rounds).median.toFixed(0)} MiB/s`);

  console.log("stevedore --version …");
  const versionSamples: number[] = [];
  for (let round = 0; round < 12; round++) {
    const sample = await measure(process.execPath, [...options.nodeOptions, stevedoreBin, "--version"]);
    if (round >= 2) versionSamples.push(sample.wall);
  }
  console.log(`  ${(spread(versionSamples).median * 1000).toFixed(0)} ms`);

  const layouts: GeneratedLayout[] = [];
  const graphs = new Map<string, ImageGraph>();
  for (const benchCase of options.cases) {
    const layout = await ensureLayout(benchCase, options.cacheDirectory, console.log);
    layouts.push(layout);
    graphs.set(layout.name, await readImageGraph(layout));
  }

  // The access log counts each run's requests: no proxy in the path, one log line per request.
  const s3Registry = options.s3 ? await startS3Registry({ mode: "open", accessLog: true }) : undefined;
  const registry =
    s3Registry ?? (await startRegistry({ mode: "open", accessLog: true, ...(options.tls && { tls: true }) }));
  if (s3Registry) console.log(`S3 registry up in ${s3Registry.startSeconds.toFixed(1)} s`);
  if (registry.caFile !== undefined) contestants.tls = await trustRegistry(registry.caFile, work);
  // Issue 18: pull (c) is timed beside a bare Node pull (the protocols stevedore can speak there), and over
  // TLS so are pulls (a) and (b), whose floor streams each blob.
  const floorsOf = (name: string): PullFloor[] =>
    options.s3 || !(name === "c" || (options.tls && largeBlobCases.has(name)))
      ? []
      : options.tls
        ? ["floor-h2", "floor-h1"]
        : ["floor-h1"];
  if (options.operations.includes("pull") && options.cases.some((item) => floorsOf(item.name).length > 0))
    contestants.pullFloorScripts = await bundlePullFloors(work);
  const samples: RecordedSample[] = [];
  const retried: RetriedRun[] = [];
  let fixedCost: FixedCostResult | undefined;
  try {
    const pid = findProcess(["docker-registry", registry.dir]);
    if (pid === undefined) console.log("(registry process not found: no registry CPU figures)");
    for (const layout of layouts) {
      console.log(
        `\ncase ${layout.name}: ${layout.title} (${layout.blobCount} blobs, ${mebibytes(layout.blobBytes)})`,
      );
      const result = await runCase({
        layout,
        graph: graphs.get(layout.name)!,
        registry: {
          host: registry.host,
          url: registry.url,
          pid,
          ...(registry.accessLog && { accessLog: registry.accessLog }),
        },
        work,
        operations: options.operations,
        pairs: options.pairs,
        contestants,
        pullFloors: floorsOf(layout.name),
        log: console.log,
      });
      samples.push(...result.samples);
      retried.push(...result.retried);
      // Issue 18.5 on plain HTTP: case (d) is seeded in bench/d and bench/d-exists now.
      if (layout.name === "d" && !options.tls && !options.s3) {
        console.log("\nfixed cost of a command, case d …");
        fixedCost = await measureFixedCost({
          layout,
          host: registry.host,
          stevedoreBin,
          nodeOptions: options.nodeOptions,
          rounds: options.quick ? 10 : 20,
          ...(pid !== undefined && { registryPid: pid }),
          work,
          log: console.log,
          loadAverage: () => loadavg()[0] ?? Number.NaN,
        });
      }
    }
  } finally {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }

  sha256Rounds.push(...sha256Speed());
  const sha256 = spread(sha256Rounds).median;
  const summaries = summarize(samples, layouts, sha256);
  const version = { samples: versionSamples, wall: spread(versionSamples) };
  const results: BenchResults = {
    date,
    mode: options.quick ? "quick" : "full",
    scheme: options.tls ? "https" : "http",
    ...(options.s3 && { storage: "s3" as const }),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGibibytes: totalmem() / 1024 ** 3,
      loadAverageBefore,
      loadAverageAfter: loadavg(),
      node: process.version,
      skopeo: versionOf("skopeo", ["--version"]),
      registry: versionOf("docker-registry", ["--version"]),
      stevedore: versionOf(process.execPath, [stevedoreBin, "--version"]),
    },
    stevedoreCommand: [process.execPath, ...options.nodeOptions, stevedoreBin].join(" "),
    sha256: { rounds: sha256Rounds, median: sha256 },
    version,
    layouts,
    samples,
    retried,
    summaries,
    ...(fixedCost && { fixedCost }),
    targets: [
      ...checkTargets(
        summaries,
        version.wall.median * 1000,
        options.s3 ? s3RatioTargets : options.tls ? tlsRatioTargets : undefined,
      ),
      ...(fixedCost ? fixedCostTargets(fixedCost) : []),
    ],
    durationSeconds: (performance.now() - started) / 1000,
  };
  const report = renderReport(results);
  await mkdir(resultsDirectory, { recursive: true });
  const name = options.s3 ? "s3" : `${results.mode}${options.tls ? "-tls" : ""}`;
  const stem = join(resultsDirectory, `${date.replaceAll(":", "-").replace(/\..*/, "")}-${name}`);
  await writeFile(`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`);
  if (options.json !== undefined) await copyFile(`${stem}.json`, options.json);
  await writeFile(`${stem}.md`, report);
  await writeFile(join(resultsDirectory, `latest-${name}.md`), report);
  console.log(`\n${report}`);
  console.log(`written: ${stem}.json, ${stem}.md${options.cpuProfile ? `; profiles in ${profiles}` : ""}`);
}

/**
 * Trusts the registry's throwaway certificate: in this process (the harness's own `fetch` seeds and checks
 * the registry) and for the contestants (stevedore `--ca-file`; skopeo a cert dir holding `ca.crt`).
 */
async function trustRegistry(
  caFile: string,
  work: string,
): Promise<{ caFile: string; certDirectory: string }> {
  const pem = await readFile(caFile, "utf8");
  setDefaultCACertificates([...getCACertificates("default"), pem]);
  const certDirectory = join(work, "certs");
  await mkdir(certDirectory, { recursive: true });
  await copyFile(caFile, join(certDirectory, "ca.crt"));
  return { caFile, certDirectory };
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

// Ctrl-C: exit through the exit hooks, which stop the registry and kill the measured process groups.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
