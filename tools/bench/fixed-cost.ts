// The fixed cost of a command (issue 18.5): a `digest` of quick case (d) and a push of it to a repository
// that has it already, each ≤ 60 ms wall on loopback — timed in alternating rounds beside the floor of any
// Node client (a bare `node` sending the same one request, the `HEAD` of the manifest, with node:http),
// Node's own start (`node -e 0`) and skopeo doing the same (`inspect --raw`, `copy` of the present image).
// run.ts runs it after case (d) of the plain-HTTP section; the floor shows what Node leaves of the 60 ms.
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { skopeoEnvironment } from "./contestants.ts";
import type { GeneratedLayout } from "./generate.ts";
import { measure, type Sample } from "./measure.ts";
import { type Spread, spread } from "./statistics.ts";
import type { TargetResult } from "./targets.ts";

/**
 * The floor: `HEAD /v2/REPOSITORY/manifests/TAG`, the digest printed, exit. Run with `node -e` so that
 * nothing but Node's start and this request is timed: a `.ts` file would add Node's type stripping, and an
 * ES module import of node:http its facade, which loads Node's own WebSocket (tens of ms each).
 */
const floorScript = `
const [base, repository, tag] = process.argv.slice(1);
const accept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json";
process.getBuiltinModule("node:http").request(
  base + "/v2/" + repository + "/manifests/" + tag,
  { method: "HEAD", headers: { accept }, agent: false },
  (response) => {
    if (response.statusCode !== 200) process.exitCode = 1;
    process.stdout.write(response.headers["docker-content-digest"] + "\\n");
    response.resume();
  },
).end();
`;

/** What each command of the fixed-cost rounds is. */
export const fixedCostCommands = {
  node: "`node -e 0`",
  floor: "bare Node `HEAD` of the manifest (node:http)",
  digest: "stevedore `digest`",
  "push-existing": "stevedore push, image present",
  "skopeo-inspect": "skopeo `inspect --raw`",
  "skopeo-push-existing": "skopeo copy, image present",
} as const;
export type FixedCostCommand = keyof typeof fixedCostCommands;

/** Wall and CPU (user + system) seconds of each command over the measured rounds. */
export interface FixedCostResult {
  rounds: number;
  loadAverageBefore: number;
  loadAverageAfter: number;
  commands: Record<FixedCostCommand, { wall: Spread; cpu: Spread }>;
}

/** Where the rounds run: quick case (d) in `bench/d` (read) and `bench/d-exists` (pushed again). */
export interface FixedCostContext {
  layout: GeneratedLayout;
  host: string;
  stevedoreBin: string;
  nodeOptions: string[];
  rounds: number;
  registryPid?: number;
  /** A scratch folder: each skopeo run gets an empty blob info cache in it, as in the cases. */
  work: string;
  log: (line: string) => void;
  loadAverage: () => number;
}

/** A warm-up round, then `rounds` rounds of every command, the order reversed every other round. */
export async function measureFixedCost(context: FixedCostContext): Promise<FixedCostResult> {
  const { layout, host, stevedoreBin, nodeOptions } = context;
  const read = `${host}/bench/${layout.name}:${layout.tag}`;
  const present = `${host}/bench/${layout.name}-exists:${layout.tag}`;
  const local = `oci:${layout.directory}:${layout.tag}`;
  const all = layout.index ? ["--platform", "all"] : [];
  const node = process.execPath;
  const invocations: Record<FixedCostCommand, [string, string[]]> = {
    node: [node, ["-e", "0"]],
    floor: [node, ["-e", floorScript, `http://${host}`, `bench/${layout.name}`, layout.tag]],
    digest: [node, [...nodeOptions, stevedoreBin, "digest", read]],
    "push-existing": [node, [...nodeOptions, stevedoreBin, "push", local, present, "--quiet", ...all]],
    "skopeo-inspect": ["skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${read}`]],
    "skopeo-push-existing": [
      "skopeo",
      [
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        "--preserve-digests",
        ...(layout.index ? ["--all"] : []),
        local,
        `docker://${present}`,
      ],
    ],
  };
  const names = Object.keys(invocations) as FixedCostCommand[];
  const samples = new Map<FixedCostCommand, Sample[]>(names.map((name) => [name, []]));
  const loadAverageBefore = context.loadAverage();
  for (let round = 0; round <= context.rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const [command, args] = invocations[name];
      const cache = command === "skopeo" ? await mkdtemp(join(context.work, "skopeo-cache-")) : undefined;
      try {
        const sample = await measure(command, args, {
          timeout: 60_000,
          ...(cache !== undefined && { env: skopeoEnvironment(cache) }),
          ...(context.registryPid !== undefined && { registryPid: context.registryPid }),
        });
        if (round > 0) samples.get(name)?.push(sample);
      } finally {
        if (cache !== undefined) await rm(cache, { recursive: true, force: true });
      }
    }
  }
  const commands = Object.fromEntries(
    names.map((name) => {
      const taken = samples.get(name) ?? [];
      return [
        name,
        {
          wall: spread(taken.map((sample) => sample.wall)),
          cpu: spread(taken.map((sample) => sample.user + sample.system)),
        },
      ];
    }),
  ) as FixedCostResult["commands"];
  const result = {
    rounds: context.rounds,
    loadAverageBefore,
    loadAverageAfter: context.loadAverage(),
    commands,
  };
  for (const name of names) {
    const { wall } = commands[name];
    context.log(`  ${fixedCostCommands[name].padEnd(46)} ${milliseconds(wall)} ms`);
  }
  return result;
}

const milliseconds = (value: Spread): string =>
  `${(value.median * 1000).toFixed(0)} (${(value.min * 1000).toFixed(0)}–${(value.max * 1000).toFixed(0)})`;

/** The markdown lines of the fixed-cost table. */
export function fixedCostLines(result: FixedCostResult): string[] {
  return [
    `Fixed cost of a command, quick case (d) on this registry: ${result.rounds} alternating rounds, load average ` +
      `${result.loadAverageBefore.toFixed(2)} → ${result.loadAverageAfter.toFixed(2)}; ms, median (min–max).`,
    "",
    "| command | wall ms | CPU ms |",
    "| --- | --- | --- |",
    ...(Object.keys(fixedCostCommands) as FixedCostCommand[]).map(
      (name) =>
        `| ${fixedCostCommands[name]} | ${milliseconds(result.commands[name].wall)} | ` +
        `${(result.commands[name].cpu.median * 1000).toFixed(0)} |`,
    ),
  ];
}

/** Issue 18.5's targets: `digest` and a push of a present image ≤ 60 ms, with the floor beside them. */
export function fixedCostTargets(result: FixedCostResult): TargetResult[] {
  const ms = (name: FixedCostCommand): number => result.commands[name].wall.median * 1000;
  const floor = ` (floor, a bare Node \`HEAD\` in the same run: ${ms("floor").toFixed(0)} ms; \`node -e 0\` ${ms("node").toFixed(0)} ms)`;
  return (["digest", "push-existing"] as const).map((name) => ({
    label: `${name === "digest" ? "`digest` of (d)" : "push of (d), image present"} ≤ 60 ms${floor}`,
    limit: 60,
    value: ms(name),
    unit: "ms",
    met: Number.isNaN(ms(name)) ? undefined : ms(name) <= 60,
  }));
}
