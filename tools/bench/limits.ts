// `pnpm bench:limits`: what the registry and the machine allow, for the issue-7 targets no client change may
// reach. For each case it alternates, N rounds (default 3):
//
//   skopeo      the reference run, as in `pnpm bench` (pull into an OCI layout, or push from one)
//   curl        pull floor: curl fetching every blob straight to files, 8 transfers at a time (`--parallel`),
//               no verification and no layout — the least any client must wait for the bytes
//   curl-ranges pull floor for one big blob: 8 parallel `Range` requests into 8 files
//   node        pull floor of many small blobs (case c) for any Node client: a bare `node` with undici
//               (h2-child.ts) fetching every blob 8 at a time as stevedore does — h2 offered over TLS, as
//               stevedore's default — each body hashed and checked, then thrown away: no files, no layout
//   node-files-h2, node-files-h1
//               pull floor of case c for any Node client that writes what it pulls (pull-floor-child.ts):
//               the same bare client over h2 and over HTTP/1.1 (HTTP/1.1 only without TLS), each body
//               hashed, checked and written to its own file as a layout's small blobs are (temp file,
//               rename, no fsync; record 0020) — no manifest, no CLI, no layers; bundled as the CLI is
//               (bundle-pull-floor.ts), so that it starts no slower than the CLI
//   node-files-h2, node-files-h1 for cases a and b
//               pull floor of large blobs in Node on one thread (tls-path-child.ts, way main, bundled): each
//               blob streamed with undici over h2 or HTTP/1.1, 2 at a time, hashed, checked and written in
//               ~1 MiB positioned batches (record 0026)
//   stevedore   `stevedore pull` itself (the built CLI, or `--stevedore PATH`) in the same rounds
//   raw-push    push floor: POST + PUT per blob from memory with plain `fetch`, 8 at a time (push-floor-child.ts)
//
// and prints each floor against the target time (the ratio × skopeo's median of the same run; over
// TLS issue 18's: 0.70 for pulls (a) and (b), 0.40 for pull (c)).
//
// With `--tls` the registry serves HTTPS with a throwaway certificate: skopeo trusts it through a cert dir,
// curl with `--cacert`, the bare push through NODE_EXTRA_CA_CERTS — the TLS floors.
//
//   node tools/bench/limits.ts [--runs N] [--case a,b,c] [--operation pull,push] [--cache DIR] [--tls]
//                              [--stevedore PATH]
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startRegistry } from "../registry/start-registry.ts";
import { bundlePullFloors } from "./bundle-pull-floor.ts";
import { fullCases } from "./cases.ts";
import { largePullFloorArguments, pullFloorArguments, skopeoEnvironment } from "./contestants.ts";
import { defaultCacheDirectory, ensureLayout, type GeneratedLayout } from "./generate.ts";
import { type ImageGraph, readImageGraph } from "./image-graph.ts";
import { measure, type Sample } from "./measure.ts";
import { findProcess } from "./proc-stat.ts";
import { spread } from "./statistics.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    case: { type: "string", multiple: true },
    cache: { type: "string", default: defaultCacheDirectory() },
    tls: { type: "boolean", default: false },
    operation: { type: "string", multiple: true },
    stevedore: { type: "string", default: join(import.meta.dirname, "../../packages/cli/dist/bin.js") },
  },
});
const runs = Number(values.runs);
const wanted = new Set((values.case ?? ["a", "b", "c"]).flatMap((item) => item.split(",")));
const operations = new Set((values.operation ?? ["pull", "push"]).flatMap((item) => item.split(",")));
const child = join(import.meta.dirname, "push-floor-child.ts");
const nodeFloorChild = join(import.meta.dirname, "h2-child.ts");

/** The issues' targets that this script bounds: case, operation, ratio (issue 18's over TLS for pull (c)). */
const targets = [
  { case: "a", operation: "pull", ratio: values.tls ? 0.7 : 0.35 },
  { case: "b", operation: "pull", ratio: values.tls ? 0.7 : 0.4 },
  { case: "c", operation: "pull", ratio: values.tls ? 0.4 : 0.25 },
  { case: "c", operation: "push", ratio: 0.1 },
] as const;

const registry = await startRegistry({ mode: "open", ...(values.tls && { tls: true }) });
const caFile = registry.caFile;
const registryPid = findProcess(["docker-registry", registry.dir]);
const cpu = registryPid === undefined ? {} : { registryPid };
const work = await mkdtemp(join(values.cache, "limits-"));
const rows: string[] = [];
const certDirectory = join(work, "certs");
const pullFloorScripts = await bundlePullFloors(work);
if (caFile !== undefined) {
  await mkdir(certDirectory, { recursive: true });
  await copyFile(caFile, join(certDirectory, "ca.crt"));
}
try {
  for (const target of targets) {
    if (!wanted.has(target.case) || !operations.has(target.operation)) continue;
    const benchCase = fullCases.find((item) => item.name === target.case);
    if (benchCase === undefined) throw new Error(`case ${target.case} is missing`);
    const layout = await ensureLayout(benchCase, values.cache, console.log);
    const graph = await readImageGraph(layout);
    const { blobs } = graph;
    const source = `limits/${target.case}`;
    await skopeo(layout, `oci:${layout.directory}:${layout.tag}`, `docker://${registry.host}/${source}:v1`);
    const ways =
      target.operation === "pull" ? pullWays(target, layout, graph, source) : pushWays(layout, blobs);
    const samples = new Map<string, Sample[]>();
    for (let run = 1; run <= runs; run++) {
      for (const [name, perform] of ways) {
        const sample = await perform(`${run}`);
        samples.set(name, [...(samples.get(name) ?? []), sample]);
        console.log(`${target.operation} (${target.case}) run ${run} ${name}: ${sample.wall.toFixed(2)} s`);
      }
    }
    const skopeoMedian = spread((samples.get("skopeo") ?? []).map((sample) => sample.wall)).median;
    const allowed = target.ratio * skopeoMedian;
    for (const [name] of ways) {
      const list = samples.get(name) ?? [];
      const wall = spread(list.map((sample) => sample.wall));
      const registryCpu = spread(list.map((sample) => sample.registryCpu ?? Number.NaN));
      const clientCpu = spread(list.map((sample) => sample.user + sample.system));
      const rss = spread(list.map((sample) => sample.peakRss));
      const verdict =
        name === "skopeo" ? "reference" : wall.median <= allowed ? "within target" : "above target";
      rows.push(
        `| ${target.operation} (${target.case}) ≤ ${target.ratio} | ${name} | ${wall.median.toFixed(2)} (${wall.min.toFixed(2)}–${wall.max.toFixed(2)}) | ${(wall.median / skopeoMedian).toFixed(2)} | ${clientCpu.median.toFixed(2)} | ${rss.median.toFixed(0)} | ${registryCpu.median.toFixed(2)} | ${allowed.toFixed(2)} | ${verdict} |`,
      );
    }
  }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
console.log(`\nMedians of ${runs} runs (min–max), seconds:\n`);
console.log(
  "| target | way | wall s | ÷ skopeo | CPU s | peak RSS MiB | registry CPU s | target s | floor vs target |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);

type Way = [string, (run: string) => Promise<Sample>];

function pullWays(
  target: { case: string },
  layout: GeneratedLayout,
  graph: ImageGraph,
  source: string,
): Way[] {
  const { blobs } = graph;
  const url = (digest: string): string => `${registry.url}/v2/${source}/blobs/${digest}`;
  const ways: Way[] = [
    [
      "skopeo",
      (run) =>
        fresh(`skopeo-${run}`, (directory) =>
          skopeo(layout, `docker://${registry.host}/${source}:v1`, `oci:${directory}:v1`),
        ),
    ],
    [
      "curl",
      (run) =>
        fresh(`curl-${run}`, (directory) =>
          curl(blobs.flatMap((digest, index) => ["-o", join(directory, `${index}`), url(digest)])),
        ),
    ],
  ];
  if (target.case === "c") {
    // The same blobs, as many at a time as stevedore's default concurrency (8), over the protocol stevedore
    // uses by default: h2 when offered over TLS, HTTP/1.1 otherwise.
    ways.push([
      "node",
      () =>
        measure(
          process.execPath,
          [nodeFloorChild, caFile === undefined ? "h1" : "h2", caFile ?? "-", "8", ...blobs.map(url)],
          cpu,
        ),
    ]);
  }
  // The least a pull must do in Node, every body also written to its own file: small blobs gathered whole,
  // 8 at a time (pull-floor-child.ts); large ones streamed, hashed and written in positioned batches on one
  // thread, 2 at a time (tls-path-child.ts, way main). h2 only over TLS.
  const floorArguments =
    target.case === "c"
      ? (protocol: "h1" | "h2", directory: string) =>
          pullFloorArguments(pullFloorScripts.small, protocol, caFile, directory, blobs.map(url))
      : target.case === "a" || target.case === "b"
        ? (protocol: "h1" | "h2", directory: string) =>
            largePullFloorArguments(
              pullFloorScripts.large,
              protocol,
              caFile,
              directory,
              blobs.map((digest) => ({ url: url(digest), size: graph.sizes.get(digest) ?? 0 })),
            )
        : undefined;
  if (floorArguments !== undefined) {
    for (const protocol of caFile === undefined ? (["h1"] as const) : (["h2", "h1"] as const)) {
      ways.push([
        `node-files-${protocol}`,
        (run) =>
          fresh(`node-files-${protocol}-${run}`, (directory) =>
            measure(process.execPath, floorArguments(protocol, directory), cpu),
          ),
      ]);
    }
  }
  ways.push([
    "stevedore",
    (run) =>
      fresh(`stevedore-${run}`, (directory) =>
        measure(
          process.execPath,
          [
            values.stevedore,
            "pull",
            `${registry.host}/${source}:v1`,
            `oci:${directory}/layout:v1`,
            "--quiet",
            ...(caFile === undefined ? [] : ["--ca-file", caFile]),
          ],
          cpu,
        ),
      ),
  ]);
  if (target.case === "a") {
    // The one big layer as 8 parallel Range requests (the config, 1 KiB, is left out of this way).
    ways.push([
      "curl-ranges",
      async (run) => {
        const sizes = await Promise.all(
          blobs.map(async (digest) => (await stat(blobPath(layout, digest))).size),
        );
        const size = Math.max(...sizes);
        const digest = blobs[sizes.indexOf(size)] as string;
        const part = Math.ceil(size / 8);
        return fresh(`ranges-${run}`, (directory) =>
          curl(
            Array.from({ length: 8 }, (_, index) => [
              "-r",
              `${index * part}-${Math.min(size, (index + 1) * part) - 1}`,
              "-o",
              join(directory, `${index}`),
              url(digest),
            ]).flat(),
          ),
        );
      },
    ]);
  }
  return ways;
}

function pushWays(layout: GeneratedLayout, blobs: string[]): Way[] {
  return [
    [
      "skopeo",
      (run) =>
        skopeo(
          layout,
          `oci:${layout.directory}:${layout.tag}`,
          `docker://${registry.host}/limits/sk-${run}:v1`,
        ),
    ],
    [
      "raw-push",
      (run) =>
        measure(
          process.execPath,
          [child, registry.url, `limits/raw-${run}`, layout.directory, "8", ...blobs],
          { ...cpu, ...(caFile !== undefined && { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile } }) },
        ),
    ],
  ];
}

async function fresh(name: string, perform: (directory: string) => Promise<Sample>): Promise<Sample> {
  const directory = join(work, name);
  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  try {
    const sample = await perform(directory);
    if ((await readdir(directory)).length === 0) throw new Error(`${name} wrote nothing`);
    return sample;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function curl(transfers: string[]): Promise<Sample> {
  const trust = caFile === undefined ? [] : ["--cacert", caFile];
  return measure("curl", ["-s", "-f", ...trust, "--parallel", "--parallel-max", "8", ...transfers], cpu);
}

async function skopeo(layout: GeneratedLayout, from: string, to: string): Promise<Sample> {
  const cache = await mkdtemp(join(work, "skopeo-cache-"));
  try {
    const trust =
      caFile === undefined
        ? ["--src-tls-verify=false", "--dest-tls-verify=false"]
        : ["--src-cert-dir", certDirectory, "--dest-cert-dir", certDirectory];
    const args = ["copy", "--quiet", ...trust, "--preserve-digests"];
    return await measure("skopeo", [...args, ...(layout.index ? ["--all"] : []), from, to], {
      env: skopeoEnvironment(cache),
      ...cpu,
    });
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

function blobPath(layout: GeneratedLayout, digest: string): string {
  return join(layout.directory, "blobs", "sha256", digest.slice("sha256:".length));
}
