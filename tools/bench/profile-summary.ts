// Summarises a V8 CPU profile (`node --cpu-prof`, or `pnpm bench --cpu-prof`): where the time went, by
// self time per function and per package.
//
//   node tools/bench/profile-summary.ts FILE.cpuprofile [--top 25]
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time in milliseconds per function (`name url:line`) and per package, from a `.cpuprofile`. */
export interface ProfileSummary {
  totalMilliseconds: number;
  functions: [string, number][];
  packages: [string, number][];
}

/** Adds up a profile's samples by function and by package (`packages/x`, `node_modules/x`, `node:` built-ins). */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, position) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[position] ?? 0) / 1000);
  });
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, milliseconds] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const place = frame.url ? `${shorten(frame.url)}:${frame.lineNumber + 1}` : "";
    const name = `${frame.functionName || "(anonymous)"} ${place}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + milliseconds);
    const group = packageOf(frame.url, frame.functionName);
    packages.set(group, (packages.get(group) ?? 0) + milliseconds);
  }
  const sorted = (map: Map<string, number>): [string, number][] => [...map].sort((a, b) => b[1] - a[1]);
  return {
    totalMilliseconds: (profile.endTime - profile.startTime) / 1000,
    functions: sorted(functions),
    packages: sorted(packages),
  };
}

function shorten(url: string): string {
  return url.replace(/^file:\/\/.*?\/(packages|node_modules)\//, "$1/").replace(/^.*\/\.pnpm\/[^/]+\//, "");
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const modules = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)?.at(-1);
  if (modules) return modules;
  const workspace = url.match(/\/packages\/([^/]+)\//);
  if (workspace) return `packages/${workspace[1]}`;
  return url;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { top: { type: "string", default: "25" } },
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const summary = summarizeProfile(JSON.parse(await readFile(file, "utf8")) as CpuProfile);
    console.log(`${file}: ${summary.totalMilliseconds.toFixed(0)} ms profiled`);
    console.log("  by package (self time):");
    for (const [name, milliseconds] of summary.packages.slice(0, 12)) {
      console.log(`    ${milliseconds.toFixed(0).padStart(7)} ms  ${name}`);
    }
    console.log("  by function (self time):");
    for (const [name, milliseconds] of summary.functions.slice(0, top)) {
      console.log(`    ${milliseconds.toFixed(0).padStart(7)} ms  ${name}`);
    }
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
