// `pnpm bench:requests` / `pnpm bench:latency`: both tools through a counting proxy in front of each of two
// registries. Every run reports wall time, CPU, peak RSS and the HTTP requests it sent (by kind), so a client
// that saves time by sending fewer round trips — or loses it by sending more — shows it in numbers that do
// not depend on the machine's load.
//
//   node tools/bench/requests.ts [--delay MS] [--pairs N] [--case a,b,c,d] [--operation pull,copy,…]
//                                [--quick] [--cache DIR] [--stevedore PATH] [--trace] [--json FILE] [--floor]
//
// `--delay 25` adds 25 ms each way at both proxies (a 50 ms round trip), the latency case of issue 18.
// Operations: pull (to an OCI layout), push (fresh repository), push-existing (everything present), copy
// (same registry: mounts), copy-between (registry A to registry B). `--trace` prints every request of the
// warm-up round with its arrival and answer times at the proxy, and the serial round trips it took.
// `--json FILE` writes the summary rows (`RequestsReport`) for `pnpm bench`'s combined report (all.ts).
// `--floor` also times, in every round of `pull`, a bare Node client (latency-floor-script.ts): the floor of
// any client started as a `node` process, measured beside the two tools.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type CountingProxy,
  countKinds,
  type RecordedRequest,
  requestKind,
  startCountingProxy,
} from "../registry/counting-proxy.ts";
import { type RunningRegistry, startRegistry } from "../registry/start-registry.ts";
import { fullCases, quickCases } from "./cases.ts";
import { invocation, type RunPlan, seedArguments, skopeoEnvironment, type Tool } from "./contestants.ts";
import { defaultCacheDirectory, ensureLayout, type GeneratedLayout } from "./generate.ts";
import { readImageGraph } from "./image-graph.ts";
import { latencyFloorScript } from "./latency-floor-script.ts";
import { measure, type Sample } from "./measure.ts";
import { mountImage } from "./mount-image.ts";
import { range, requestCount } from "./render-report.ts";
import type { RequestOperation, RequestsFigures, RequestsReport, RequestsRow } from "./requests-report.ts";
import { spread } from "./statistics.ts";
import { verifyLayout, verifyRepository } from "./verify.ts";

const allOperations: RequestOperation[] = ["pull", "push", "push-existing", "copy", "copy-between"];

const { values } = parseArgs({
  options: {
    delay: { type: "string", default: "0" },
    pairs: { type: "string", default: "1" },
    case: { type: "string", multiple: true },
    operation: { type: "string", multiple: true },
    quick: { type: "boolean", default: false },
    cache: { type: "string", default: defaultCacheDirectory() },
    stevedore: { type: "string", default: join(import.meta.dirname, "../../packages/cli/dist/bin.js") },
    trace: { type: "boolean", default: false },
    json: { type: "string" },
    floor: { type: "boolean", default: false },
  },
});
const delay = Number(values.delay);
const pairs = Number(values.pairs);
const wantedCases = new Set((values.case ?? ["d"]).flatMap((item) => item.split(",")));
const wantedOperations = (values.operation ?? allOperations).flatMap((item) =>
  item.split(","),
) as RequestOperation[];
for (const operation of wantedOperations) {
  if (!allOperations.includes(operation)) throw new Error(`unknown operation ${operation}`);
}
const tools: Tool[] = ["stevedore", "skopeo"];

interface RequestSample extends Sample {
  case: string;
  operation: RequestOperation;
  tool: Tool;
  round: number;
  requests: number;
  kinds: Record<string, number>;
}

const log = (line: string): void => console.log(line);
const work = await mkdtemp(join(values.cache, "requests-"));
const registries: RunningRegistry[] = [];
const proxies: CountingProxy[] = [];
const samples: RequestSample[] = [];
/** The bare client's runs (`--floor`), `tool` naming the tool it followed in its round. */
const floorSamples: RequestSample[] = [];
const started = new Date();
const loadBefore = loadavg()[0]!;
try {
  for (let i = 0; i < 2; i++) {
    const registry = await startRegistry({ mode: "open" });
    registries.push(registry);
    proxies.push(await startCountingProxy({ upstream: registry.url, delay }));
  }
  const [a, b] = registries as [RunningRegistry, RunningRegistry];
  const [proxyA, proxyB] = proxies as [CountingProxy, CountingProxy];
  log(`registries ${a.url}, ${b.url}; proxies ${proxyA.url}, ${proxyB.url}; ${delay} ms each way`);
  for (const benchCase of values.quick ? quickCases : fullCases) {
    if (!wantedCases.has(benchCase.name)) continue;
    const layout = await ensureLayout(benchCase, values.cache, log);
    const graph = await readImageGraph(layout);
    const source = `bench/${layout.name}`;
    const existing = `bench/${layout.name}-exists`;
    await seed(layout, `${a.host}/${source}:${layout.tag}`);
    await mountImage(a.url, source, existing, layout.tag, graph);
    log(`case (${layout.name}) ${layout.title}`);
    for (const operation of wantedOperations) {
      for (let round = 0; round <= pairs; round++) {
        for (const tool of tools) {
          const destination =
            operation === "push-existing" ? existing : `bench/${layout.name}-${operation}-${tool}-${round}`;
          const output = join(work, `${tool}-${layout.name}-${round}`);
          const plan: RunPlan = {
            layout,
            host: proxyA.host,
            source,
            destination,
            output,
            ...(operation === "copy-between" && { destinationHost: proxyB.host }),
          };
          proxyA.reset();
          proxyB.reset();
          const spawned = performance.now();
          const sample = await runTool(tool, operation, plan);
          const exited = performance.now();
          const recorded = [...proxyA.requests, ...proxyB.requests];
          if (operation === "pull") await verifyLayout(output, layout.tag, graph);
          else
            await verifyRepository(
              (operation === "copy-between" ? b : a).url,
              destination,
              layout.tag,
              graph,
            );
          await rm(output, { recursive: true, force: true });
          const entry: RequestSample = {
            ...sample,
            case: layout.name,
            operation,
            tool,
            round,
            requests: recorded.length,
            kinds: countKinds(recorded),
          };
          samples.push(entry);
          if (values.trace && round === 0) log(trace(tool, operation, proxyA, recorded, spawned, exited));
          if (values.floor && operation === "pull" && tool === "skopeo") {
            proxyA.reset();
            const floor = await measure(process.execPath, [
              "-e",
              latencyFloorScript,
              proxyA.url,
              source,
              layout.tag,
            ]);
            floorSamples.push({
              ...floor,
              case: layout.name,
              operation,
              tool,
              round,
              requests: proxyA.requests.length,
              kinds: countKinds(proxyA.requests),
            });
            log(
              `  ${operation.padEnd(13)} ${round === 0 ? "warm-up" : `pair ${round}`} floor     ${floor.wall.toFixed(2)} s, ${proxyA.requests.length} requests`,
            );
          }
          log(
            `  ${operation.padEnd(13)} ${round === 0 ? "warm-up" : `pair ${round}`} ${tool.padEnd(9)} ` +
              `${sample.wall.toFixed(2)} s, CPU ${(sample.user + sample.system).toFixed(2)} s, ` +
              `${sample.peakRss.toFixed(0)} MiB, ${recorded.length} requests ${JSON.stringify(entry.kinds)}`,
          );
        }
      }
    }
  }
} finally {
  for (const proxy of proxies) await proxy.stop();
  for (const registry of registries) await registry.stop();
  await rm(work, { recursive: true, force: true });
}
const rows = summaryRows();
console.log(render(rows));
if (values.json !== undefined) {
  const report: RequestsReport = {
    date: started.toISOString(),
    delay,
    pairs,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg()[0]!,
    rows,
  };
  await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
}

function summaryRows(): RequestsRow[] {
  const keys = [...new Set(samples.map((sample) => `${sample.case} ${sample.operation}`))];
  return keys.map((key) => {
    const of = (tool: Tool) =>
      samples.filter(
        (sample) => `${sample.case} ${sample.operation}` === key && sample.tool === tool && sample.round > 0,
      );
    const figures = (list: RequestSample[]): RequestsFigures => ({
      wall: spread(list.map((sample) => sample.wall)),
      cpu: spread(list.map((sample) => sample.user + sample.system)),
      peakRss: spread(list.map((sample) => sample.peakRss)),
      requests: spread(list.map((sample) => sample.requests)),
    });
    const stevedore = of("stevedore");
    const skopeo = of("skopeo");
    const floor = floorSamples.filter(
      (sample) => `${sample.case} ${sample.operation}` === key && sample.round > 0,
    );
    const [caseName, operation] = key.split(" ") as [string, RequestOperation];
    return {
      case: caseName,
      operation,
      stevedore: figures(stevedore),
      skopeo: figures(skopeo),
      ratio: spread(stevedore.map((sample, i) => sample.wall / (skopeo[i]?.wall ?? Number.NaN))),
      ...(floor.length > 0 && {
        floor: figures(floor),
        floorRatio: spread(floor.map((sample, i) => sample.wall / (skopeo[i]?.wall ?? Number.NaN))),
      }),
    };
  });
}

function render(rows: RequestsRow[]): string {
  const lines = [
    "",
    `${started.toISOString()}, ${delay} ms each way, ${pairs} pair(s) after a warm-up, ` +
      `load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    "",
    "| case | operation | stevedore s | skopeo s | ratio | CPU s (st / sk) | RSS MiB (st / sk) | requests (st / sk) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const { case: caseName, operation, stevedore, skopeo, ratio } of rows) {
    lines.push(
      `| (${caseName}) | ${operation} | ${stevedore.wall.median.toFixed(2)} | ${skopeo.wall.median.toFixed(2)} | ` +
        `${range(ratio, (n) => n.toFixed(3))} | ` +
        `${stevedore.cpu.median.toFixed(2)} / ${skopeo.cpu.median.toFixed(2)} | ` +
        `${stevedore.peakRss.median.toFixed(0)} / ${skopeo.peakRss.median.toFixed(0)} | ` +
        `${requestCount(stevedore.requests)} / ${requestCount(skopeo.requests)} |`,
    );
  }
  for (const { case: caseName, operation, floor, floorRatio } of rows) {
    if (floor === undefined || floorRatio === undefined) continue;
    lines.push(
      "",
      `Floor of a bare Node client, (${caseName}) ${operation}: ${floor.wall.median.toFixed(2)} s, ratio to skopeo ` +
        `${range(floorRatio, (n) => n.toFixed(3))}, ${requestCount(floor.requests)} requests.`,
    );
  }
  return lines.join("\n");
}

/**
 * One line per request (arrival and answer at the proxy, ms from the spawn) and the serial round
 * trips: the longest chain of requests where each arrived after the one before it was answered.
 */
function trace(
  tool: Tool,
  operation: string,
  proxyA: CountingProxy,
  recorded: RecordedRequest[],
  spawned: number,
  exited: number,
): string {
  const arrived = (request: RecordedRequest): number => request.arrived ?? 0;
  const answered = (request: RecordedRequest): number => request.answered ?? 0;
  const sorted = [...recorded].sort((x, y) => arrived(x) - arrived(y));
  const origin = spawned;
  const depth = new Map<RecordedRequest, number>();
  for (const request of sorted) {
    const before = sorted.filter((other) => answered(other) > 0 && answered(other) <= arrived(request));
    depth.set(request, 1 + Math.max(0, ...before.map((other) => depth.get(other) ?? 0)));
  }
  const lines = sorted.map((request) => {
    const at = proxyA.requests.includes(request) ? "A" : "B";
    return (
      `    ${(arrived(request) - origin).toFixed(0).padStart(5)}–${(answered(request) - origin).toFixed(0).padStart(5)} ms ` +
      `#${String(depth.get(request)).padEnd(3)} ${at} ${request.status} ${requestKind(request).padEnd(14)} ${request.path}`
    );
  });
  const serial = Math.max(0, ...depth.values());
  const last = Math.max(0, ...sorted.map(answered));
  return [
    `  trace ${tool} ${operation}: ${sorted.length} requests, ${serial} serial round trips; ms from the spawn: ` +
      `first request ${((sorted[0] === undefined ? spawned : arrived(sorted[0])) - origin).toFixed(0)}, last answer ${(last - origin).toFixed(0)}, ` +
      `exit ${(exited - origin).toFixed(0)}`,
    ...lines,
  ].join("\n");
}

async function runTool(tool: Tool, operation: RequestOperation, plan: RunPlan): Promise<Sample> {
  const cache = await mkdtemp(join(work, "skopeo-cache-"));
  try {
    const run = invocation(tool, operation === "copy-between" ? "copy" : operation, plan, {
      stevedoreBin: values.stevedore,
      nodeArguments: [],
      skopeoCacheDirectory: cache,
    });
    return await measure(run.command, run.args, { env: run.env });
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

async function seed(layout: GeneratedLayout, reference: string): Promise<void> {
  const cache = await mkdtemp(join(work, "skopeo-cache-"));
  try {
    await measure("skopeo", seedArguments(layout, reference), { env: skopeoEnvironment(cache) });
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}
