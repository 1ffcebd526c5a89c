import { largeBlobCases, type PullFloor } from "./contestants.ts";
import { type FixedCostResult, fixedCostLines } from "./fixed-cost.ts";
import type { GeneratedLayout } from "./generate.ts";
import type { RetriedRun } from "./run-case.ts";
import type { Spread } from "./statistics.ts";
import type { OperationSummary, RecordedSample } from "./summarize.ts";
import type { TargetResult } from "./targets.ts";

/** Everything a run records; written as JSON, rendered as markdown by {@link renderReport}. */
export interface BenchResults {
  date: string;
  mode: "quick" | "full";
  /** `https` when the registry served TLS (`--tls`): a throwaway CA, stevedore `--ca-file`, skopeo cert dirs. */
  scheme?: "http" | "https";
  /** `s3` when the registry kept blobs on Ceph radosgw and redirected blob reads there (`--s3`). */
  storage?: "s3";
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGibibytes: number;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
    node: string;
    skopeo: string;
    registry: string;
    stevedore: string;
  };
  /** How stevedore was started: `node [flags] path/to/bin.js`. */
  stevedoreCommand: string;
  /** sha256 on one core, MiB/s, measured before and after the cases; `median` of all rounds. */
  sha256: { rounds: number[]; median: number };
  /** `stevedore --version` wall time, seconds. */
  version: { samples: number[]; wall: Spread };
  /** The fixed cost of a command beside its floor (plain HTTP with case d only; fixed-cost.ts). */
  fixedCost?: FixedCostResult;
  layouts: GeneratedLayout[];
  samples: RecordedSample[];
  /** Runs that hung, were killed and run again (not in `samples`). */
  retried: RetriedRun[];
  summaries: OperationSummary[];
  targets: TargetResult[];
  durationSeconds: number;
}

/** Seconds with two decimals, one from 10 s. */
export const seconds = (value: number): string => (value >= 10 ? value.toFixed(1) : value.toFixed(2));
/** `median (min–max)`, each number formatted by `format`. */
export const range = (value: Spread, format: (n: number) => string): string =>
  `${format(value.median)} (${format(value.min)}–${format(value.max)})`;

/** Requests per run: one count, `min–max` when runs differ, `—` when not counted. */
export const requestCount = (value: Spread): string =>
  Number.isNaN(value.median) ? "—" : value.min === value.max ? `${value.min}` : `${value.min}–${value.max}`;

/** The targets as markdown table rows (`| target | measured | met |`). */
export function targetRows(targets: readonly TargetResult[]): string[] {
  return targets.map((target) => {
    // A target not measured is NaN, which a report read back from JSON has as null.
    const value =
      typeof target.value !== "number" || Number.isNaN(target.value)
        ? "not measured"
        : target.unit === "ratio"
          ? target.value.toFixed(3)
          : `${target.value.toFixed(0)} ${target.unit}`;
    const met = target.met === undefined ? "—" : target.met ? "yes" : "**no**";
    return `| ${target.label} | ${value} | ${met} |`;
  });
}

/** The markdown report of a run: machine notes, the per-case table, the targets. */
export function renderReport(results: BenchResults): string {
  const { machine } = results;
  const lines = [
    `# stevedore vs skopeo — ${results.storage === "s3" ? "registry on S3 (Ceph radosgw, 307 to storage)" : `${results.mode} run`}${results.scheme === "https" ? " over TLS" : ""}, ${results.date}`,
    "",
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGibibytes.toFixed(0)} GiB; load average ` +
      `${machine.loadAverageBefore.map((n) => n.toFixed(2)).join(" ")} before, ` +
      `${machine.loadAverageAfter.map((n) => n.toFixed(2)).join(" ")} after. ` +
      `${machine.stevedore}, ${machine.skopeo}, ${machine.registry}. Run took ${(results.durationSeconds / 60).toFixed(1)} min.`,
    "",
    `stevedore ran as \`${results.stevedoreCommand}\`.`,
    "",
    `sha256 on one core: ${results.sha256.median.toFixed(0)} MiB/s (median of ${results.sha256.rounds.length} rounds, ` +
      `${Math.min(...results.sha256.rounds).toFixed(0)}–${Math.max(...results.sha256.rounds).toFixed(0)}). ` +
      `\`stevedore --version\`: ${range(results.version.wall, (n) => (n * 1000).toFixed(0))} ms.`,
    "",
    "Wall times in seconds, median (min–max) over the measured pairs; ratio = stevedore / skopeo per pair. " +
      "CPU = user + system seconds of the client; registry = CPU seconds of the registry process during the run; " +
      "others = CPU seconds every other process on the machine used meanwhile (noise). Throughput = image bytes / " +
      "stevedore's median wall time, and its share of sha256 on one core. Requests = HTTP requests the registry " +
      "answered per run (its access log; min–max when the runs differ).",
    "",
    "| case | operation | pairs | stevedore s | skopeo s | ratio | stevedore CPU | skopeo CPU | peak RSS MiB (st / sk) | registry CPU (st / sk) | others CPU (st / sk) | requests (st / sk) | throughput |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const summary of results.summaries) {
    const layout = results.layouts.find((candidate) => candidate.name === summary.case);
    const { stevedore, skopeo } = summary;
    const throughput =
      summary.throughput === undefined
        ? "—"
        : `${summary.throughput.toFixed(0)} MiB/s (${((summary.throughputShare ?? 0) * 100).toFixed(0)} %)`;
    lines.push(
      [
        `(${summary.case}) ${layout?.title ?? ""}`,
        summary.operation,
        String(summary.pairs),
        range(stevedore.wall, seconds),
        range(skopeo.wall, seconds),
        `**${summary.ratio.median.toFixed(3)}** (${summary.ratio.min.toFixed(3)}–${summary.ratio.max.toFixed(3)})`,
        seconds(stevedore.cpu.median),
        seconds(skopeo.cpu.median),
        `${stevedore.peakRss.toFixed(0)} / ${skopeo.peakRss.toFixed(0)}`,
        `${seconds(stevedore.registryCpu.median)} / ${seconds(skopeo.registryCpu.median)}`,
        `${seconds(stevedore.otherCpu.median)} / ${seconds(skopeo.otherCpu.median)}`,
        `${requestCount(stevedore.requests)} / ${requestCount(skopeo.requests)}`,
        throughput,
      ]
        .join(" | ")
        .replace(/^/, "| ")
        .replace(/$/, " |"),
    );
  }
  for (const summary of results.summaries) {
    for (const floor of summary.floors ?? []) {
      lines.push(
        "",
        `Floor of ${summary.operation} (${summary.case}) in the same rounds: a bare Node pull ` +
          `(${floorWay(summary.case, floor.floor)}) ` +
          `${range(floor.wall, seconds)} s, ratio to skopeo ${range(floor.ratio, (n) => n.toFixed(3))}, ` +
          `CPU ${seconds(floor.cpu.median)} s (registry ${seconds(floor.registryCpu.median)} s), ` +
          `peak RSS ${floor.peakRss.toFixed(0)} MiB.`,
      );
    }
  }
  if (results.fixedCost !== undefined) lines.push("", ...fixedCostLines(results.fixedCost));
  lines.push("", "| target | measured | met |", "| --- | --- | --- |", ...targetRows(results.targets));
  for (const run of results.retried) {
    lines.push("", `Retried: ${run.tool} ${run.operation} (${run.case}) round ${run.round}: ${run.message}.`);
  }
  if (results.mode === "quick") {
    lines.push("", "Quick run: the cases are scaled down, so the targets are only indicative.");
  }
  return `${lines.join("\n")}\n`;
}

/** How the floor of `caseName` pulls, for the line under the table. */
function floorWay(caseName: string, floor: PullFloor): string {
  const protocol = floor === "floor-h2" ? "h2" : "HTTP/1.1";
  return largeBlobCases.has(caseName)
    ? `tools/bench/tls-path-child.ts, way main: undici over ${protocol} on one thread, 2 at a time, each blob ` +
        "streamed, hashed and written in ~1 MiB positioned batches"
    : `tools/bench/pull-floor-child.ts: undici over ${protocol}, 8 at a time, each blob hashed and written ` +
        "to its own file";
}
