// Builds of the CLI against each other on the fixed cost of a command (issue 18.5, record 0025): `digest`
// of quick case (d) and a push of it to a repository that has it already, in alternating rounds, each
// build with its own compile-cache folder (`NODE_COMPILE_CACHE`): warm (kept from a first round not
// counted), or cold (an empty folder for every run, so each run pays for making its caches).
//
//   node tools/bench/code-cache.ts --build old=DIR/bin.js --build new=DIR/bin.js [--rounds 40] [--cold]
//     [--command digest,push-existing,version]
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startRegistry } from "../registry/start-registry.ts";
import { quickCases } from "./cases.ts";
import { defaultCacheDirectory, ensureLayout } from "./generate.ts";
import { measure } from "./measure.ts";
import { spread } from "./statistics.ts";

const { values } = parseArgs({
  options: {
    build: { type: "string", multiple: true },
    rounds: { type: "string", default: "40" },
    cold: { type: "boolean", default: false },
    command: { type: "string", default: "digest,push-existing" },
  },
});
const builds = (values.build ?? []).map((text) => {
  const [name = "", bin = ""] = text.split("=");
  return { name, bin };
});
if (builds.length === 0) throw new Error("give at least one --build NAME=PATH/bin.js");
const rounds = Number(values.rounds);
const commands = values.command.split(",");

const cacheDirectory = defaultCacheDirectory();
const layout = await ensureLayout(quickCases.find((benchCase) => benchCase.name === "d")!, cacheDirectory);
const registry = await startRegistry({ mode: "open" });
const work = await mkdtemp(join(cacheDirectory, "code-cache-"));
try {
  const read = `${registry.host}/bench/${layout.name}:${layout.tag}`;
  const present = `${registry.host}/bench/${layout.name}-exists:${layout.tag}`;
  const local = `oci:${layout.directory}:${layout.tag}`;
  for (const target of [read, present]) {
    execFileSync("skopeo", [
      "copy",
      "--quiet",
      "--dest-tls-verify=false",
      "--all",
      local,
      `docker://${target}`,
    ]);
  }
  const argv: Record<string, string[]> = {
    digest: ["digest", read],
    "push-existing": ["push", local, present, "--quiet", "--platform", "all"],
    version: ["--version"],
  };
  const warmFolders = new Map(builds.map(({ name }) => [name, join(work, `warm-${name}`)]));
  const samples = new Map<string, { wall: number[]; cpu: number[] }>();
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const runs = builds.flatMap((build) => commands.map((command) => ({ ...build, command })));
  for (let round = 0; round <= rounds; round++) {
    for (const run of round % 2 === 0 ? runs : [...runs].reverse()) {
      const folder = values.cold ? await mkdtemp(join(work, "cold-")) : warmFolders.get(run.name)!;
      const sample = await measure(process.execPath, [run.bin, ...(argv[run.command] ?? [])], {
        env: { ...process.env, NODE_COMPILE_CACHE: folder },
      });
      if (values.cold) await rm(folder, { recursive: true, force: true });
      if (round === 0) continue;
      const key = `${run.command} ${run.name}`;
      const entry = samples.get(key) ?? { wall: [], cpu: [] };
      entry.wall.push(sample.wall * 1000);
      entry.cpu.push((sample.user + sample.system) * 1000);
      samples.set(key, entry);
    }
  }
  console.log(
    `${rounds} rounds, ${values.cold ? "cold (an empty cache folder every run)" : "warm"}, load average ` +
      `${loadBefore.toFixed(2)} → ${(loadavg()[0] ?? Number.NaN).toFixed(2)}; ms, median (min–max)`,
  );
  console.log("| command | build | wall | CPU |\n| --- | --- | --- | --- |");
  for (const [key, { wall, cpu }] of samples) {
    const [command, name] = key.split(" ");
    const w = spread(wall);
    console.log(
      `| ${command} | ${name} | ${w.median.toFixed(1)} (${w.min.toFixed(0)}–${w.max.toFixed(0)}) | ${spread(cpu).median.toFixed(0)} |`,
    );
  }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
