import type { Operation, PullFloor, Tool } from "./contestants.ts";
import type { GeneratedLayout } from "./generate.ts";
import type { Sample } from "./measure.ts";
import { type Spread, spread } from "./statistics.ts";

/** A sample with what it measured. Warm-up rounds are kept in the JSON but left out of every summary. */
export interface RecordedSample extends Sample {
  case: string;
  operation: Operation;
  tool: Tool | PullFloor;
  round: number;
  warmup: boolean;
  /** HTTP requests the registry answered during the run (its access log), when counted. */
  requests?: number;
  /** {@link requests} by kind (`countKinds` of tools/registry/counting-proxy.ts). */
  requestKinds?: Record<string, number>;
}

/** One tool's figures for one case and operation. */
export interface ToolSummary {
  wall: Spread;
  /** User + system seconds. */
  cpu: Spread;
  /** The highest peak RSS of any run, MiB. */
  peakRss: number;
  registryCpu: Spread;
  otherCpu: Spread;
  /** HTTP requests per run (NaN when not counted). */
  requests: Spread;
}

/** The comparison for one case and operation. */
export interface OperationSummary {
  case: string;
  operation: Operation;
  pairs: number;
  stevedore: ToolSummary;
  skopeo: ToolSummary;
  /** stevedore's wall time over skopeo's, pair by pair. */
  ratio: Spread;
  /** Bytes moved per second by stevedore (median run), MiB/s; absent when nothing is moved (all exists, mounts). */
  throughput?: number;
  /** {@link throughput} as a share of sha256 on one core. */
  throughputShare?: number;
  /** Bare Node pulls timed in the same rounds (run.ts, case c), each with its wall time over skopeo's. */
  floors?: FloorSummary[];
}

/** A {@link PullFloor}'s figures: its runs, and its wall time over skopeo's in the same round. */
export interface FloorSummary {
  floor: PullFloor;
  wall: Spread;
  cpu: Spread;
  /** The registry's CPU during each run (NaN when its process was not found). */
  registryCpu: Spread;
  peakRss: number;
  ratio: Spread;
}

/** Summarises the non-warm-up samples of every case and operation that has both tools. */
export function summarize(
  samples: RecordedSample[],
  layouts: GeneratedLayout[],
  sha256MebibytesPerSecond: number,
): OperationSummary[] {
  const summaries: OperationSummary[] = [];
  const keys = [...new Set(samples.map((sample) => `${sample.case}\u0000${sample.operation}`))];
  for (const key of keys) {
    const [name, operation] = key.split("\u0000") as [string, Operation];
    const measured = samples.filter(
      (sample) => sample.case === name && sample.operation === operation && !sample.warmup,
    );
    const of = (tool: Tool) => measured.filter((sample) => sample.tool === tool);
    const stevedore = of("stevedore");
    const skopeo = of("skopeo");
    if (stevedore.length === 0 || skopeo.length === 0) continue;
    const ratios: number[] = [];
    for (const run of stevedore) {
      const peer = skopeo.find((sample) => sample.round === run.round);
      if (peer) ratios.push(run.wall / peer.wall);
    }
    const summary: OperationSummary = {
      case: name,
      operation,
      pairs: ratios.length,
      stevedore: summarizeTool(stevedore),
      skopeo: summarizeTool(skopeo),
      ratio: spread(ratios),
    };
    const floors = (["floor-h2", "floor-h1"] as const)
      .map((floor) => ({ floor, runs: measured.filter((sample) => sample.tool === floor) }))
      .filter(({ runs }) => runs.length > 0)
      .map(({ floor, runs }) => ({
        floor,
        wall: spread(runs.map((sample) => sample.wall)),
        cpu: spread(runs.map((sample) => sample.user + sample.system)),
        registryCpu: spread(runs.map((sample) => sample.registryCpu ?? Number.NaN)),
        peakRss: Math.max(...runs.map((sample) => sample.peakRss)),
        ratio: spread(
          runs.map(
            (run) => run.wall / (skopeo.find((sample) => sample.round === run.round)?.wall ?? Number.NaN),
          ),
        ),
      }));
    if (floors.length > 0) summary.floors = floors;
    const layout = layouts.find((candidate) => candidate.name === name);
    if (layout && (operation === "pull" || operation === "push")) {
      summary.throughput = layout.blobBytes / 1024 / 1024 / summary.stevedore.wall.median;
      summary.throughputShare = summary.throughput / sha256MebibytesPerSecond;
    }
    summaries.push(summary);
  }
  return summaries;
}

function summarizeTool(samples: RecordedSample[]): ToolSummary {
  return {
    wall: spread(samples.map((sample) => sample.wall)),
    cpu: spread(samples.map((sample) => sample.user + sample.system)),
    peakRss: Math.max(...samples.map((sample) => sample.peakRss)),
    registryCpu: spread(samples.map((sample) => sample.registryCpu ?? Number.NaN)),
    otherCpu: spread(samples.map((sample) => sample.otherCpu)),
    requests: spread(samples.map((sample) => sample.requests ?? Number.NaN)),
  };
}
