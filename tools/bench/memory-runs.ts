// What the peak-memory benches (memory.ts, image-memory.ts) share: their command line, one log line per
// run, and the table of medians.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultCacheDirectory } from "./generate.ts";
import type { Sample } from "./measure.ts";
import { spread } from "./statistics.ts";

/** `[--runs N] [--limit MiB] [--stevedore PATH] [--cache DIR]`, with their defaults. */
export function memoryBenchOptions(): { runs: number; limit: number; stevedore: string; cache: string } {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      limit: { type: "string", default: "150" },
      stevedore: { type: "string", default: join(import.meta.dirname, "../../packages/cli/dist/bin.js") },
      cache: { type: "string", default: defaultCacheDirectory() },
    },
  });
  return { ...values, runs: Number(values.runs), limit: Number(values.limit) };
}

/** `run 2 export: 3.10 s, peak RSS 120 MiB` */
export function logSample(run: number, way: string, sample: Sample): void {
  console.log(`run ${run} ${way}: ${sample.wall.toFixed(2)} s, peak RSS ${sample.peakRss.toFixed(0)} MiB`);
}

/** Prints the median (min–max) peak RSS and wall time of each way as a table; returns the median peaks. */
export function printMemoryTable(
  firstColumn: string,
  samples: ReadonlyMap<string, readonly Sample[]>,
): Map<string, number> {
  const peaks = new Map<string, number>();
  console.log(`| ${firstColumn} | peak RSS MiB | wall s |`);
  console.log("| --- | --- | --- |");
  for (const [way, list] of samples) {
    const rss = spread(list.map((sample) => sample.peakRss));
    const wall = spread(list.map((sample) => sample.wall));
    peaks.set(way, rss.median);
    console.log(
      `| ${way} | ${rss.median.toFixed(0)} (${rss.min.toFixed(0)}–${rss.max.toFixed(0)}) | ${wall.median.toFixed(2)} (${wall.min.toFixed(2)}–${wall.max.toFixed(2)}) |`,
    );
  }
  return peaks;
}
