import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { countKinds } from "../registry/counting-proxy.ts";
import type { AccessLog } from "../registry/start-registry.ts";
import {
  type ContestantOptions,
  invocation,
  type Operation,
  type PullFloor,
  pullFloorInvocation,
  type RunPlan,
  seedArguments,
  skopeoEnvironment,
  type Tool,
} from "./contestants.ts";
import type { GeneratedLayout } from "./generate.ts";
import type { ImageGraph } from "./image-graph.ts";
import { MeasureTimeoutError, measure, type Sample } from "./measure.ts";
import { mountImage } from "./mount-image.ts";
import type { RecordedSample } from "./summarize.ts";
import { verifyLayout, verifyRepository } from "./verify.ts";

/** What {@link runCase} needs: the registry, where to write, how to start the contestants. */
export interface CaseContext {
  layout: GeneratedLayout;
  graph: ImageGraph;
  registry: { host: string; url: string; pid: number | undefined; accessLog?: AccessLog };
  /** A scratch folder for pulled layouts and skopeo's per-run caches. */
  work: string;
  operations: Operation[];
  /** Measured pairs after the warm-up pair. */
  pairs: number;
  contestants: ContestantOptions;
  /** Bare Node pulls to time after the two in every round of `pull` (the floor of case c). */
  pullFloors?: PullFloor[];
  log: (line: string) => void;
}

/** A run that hung and was killed, then run again (skopeo 1.9 sometimes deadlocks; see README). */
export interface RetriedRun {
  case: string;
  operation: Operation;
  tool: Tool;
  round: number;
  message: string;
}

const tools: Tool[] = ["stevedore", "skopeo"];
const attempts = 3;

/**
 * Seeds the registry with the case's image (skopeo into `bench/<case>`, mounted from there into
 * `bench/<case>-exists`), then
 * for each operation runs a warm-up pair and `pairs` measured pairs, stevedore first in each pair, every
 * run into a fresh repository or folder, each checked afterwards (tag digest and every blob).
 */
export async function runCase(
  context: CaseContext,
): Promise<{ samples: RecordedSample[]; retried: RetriedRun[] }> {
  const { layout, graph, registry, work, log } = context;
  const source = `bench/${layout.name}`;
  const existing = `bench/${layout.name}-exists`;
  await seed(context, source);
  await verifyRepository(registry.url, source, layout.tag, graph);
  await mountImage(registry.url, source, existing, layout.tag, graph);
  await verifyRepository(registry.url, existing, layout.tag, graph);
  const samples: RecordedSample[] = [];
  const retried: RetriedRun[] = [];
  for (const operation of context.operations) {
    const slowest: Partial<Record<Tool, number>> = {};
    const base = { layout, host: registry.host, source };
    for (let round = 0; round <= context.pairs; round++) {
      const walls: Partial<Record<Tool, number>> = {};
      const requests: Partial<Record<Tool, number>> = {};
      for (const tool of tools) {
        const plan: RunPlan = {
          ...base,
          destination:
            operation === "push-existing" ? existing : `bench/${layout.name}-${operation}-${tool}-${round}`,
          output: join(work, `${tool}-${layout.name}-${round}`),
        };
        // Generous before the first run; afterwards many times the slowest run so far, so a hang is cut
        // short without ever killing a merely slow run.
        const before = slowest[tool];
        const timeout = before === undefined ? 600_000 : Math.max(60_000, before * 8_000);
        for (let attempt = 1; ; attempt++) {
          try {
            const sample = await runOnce(context, tool, operation, plan, timeout);
            samples.push({ ...sample, case: layout.name, operation, tool, round, warmup: round === 0 });
            walls[tool] = sample.wall;
            requests[tool] = sample.requests;
            slowest[tool] = Math.max(slowest[tool] ?? 0, sample.wall);
            break;
          } catch (error) {
            if (!(error instanceof MeasureTimeoutError) || attempt === attempts) throw error;
            log(`  ${tool} ${operation} hung (${error.message}); running it again`);
            retried.push({ case: layout.name, operation, tool, round, message: error.message });
            await rm(plan.output, { recursive: true, force: true });
          }
        }
      }
      const floors: string[] = [];
      for (const floor of operation === "pull" ? (context.pullFloors ?? []) : []) {
        const output = join(work, `${floor}-${layout.name}-${round}`);
        const plan = { ...base, destination: "", output };
        const run = pullFloorInvocation(floor, plan, graph, context.contestants);
        try {
          const sample = await measure(run.command, run.args, {
            env: run.env,
            timeout: 600_000,
            ...(registry.pid !== undefined && { registryPid: registry.pid }),
          });
          samples.push({ ...sample, case: layout.name, operation, tool: floor, round, warmup: round === 0 });
          floors.push(`, ${floor} ${sample.wall.toFixed(2)} s`);
        } finally {
          await rm(output, { recursive: true, force: true });
        }
      }
      const label = round === 0 ? "warm-up" : `pair ${round}`;
      log(
        `  ${operation.padEnd(13)} ${label.padEnd(7)} stevedore ${walls.stevedore!.toFixed(2)} s, ` +
          `skopeo ${walls.skopeo!.toFixed(2)} s, ratio ${(walls.stevedore! / walls.skopeo!).toFixed(3)}` +
          (requests.stevedore === undefined ? "" : `, requests ${requests.stevedore} / ${requests.skopeo}`) +
          floors.join(""),
      );
    }
  }
  return { samples, retried };
}

async function runOnce(
  context: CaseContext,
  tool: Tool,
  operation: Operation,
  plan: RunPlan,
  timeout: number,
): Promise<Sample & Pick<RecordedSample, "requests" | "requestKinds">> {
  const skopeoCache = await mkdtemp(join(context.work, "skopeo-cache-"));
  const { accessLog } = context.registry;
  try {
    const run = invocation(tool, operation, plan, {
      ...context.contestants,
      skopeoCacheDirectory: skopeoCache,
    });
    // Lines still coming from the previous run's check must not count for this run.
    await accessLog?.settle();
    accessLog?.reset();
    const measured = await measure(run.command, run.args, {
      env: run.env,
      timeout,
      ...(context.registry.pid !== undefined && { registryPid: context.registry.pid }),
    });
    // Counted before the check below, whose own requests go to the same registry.
    await accessLog?.settle();
    const sample =
      accessLog === undefined
        ? measured
        : { ...measured, requests: accessLog.requests.length, requestKinds: countKinds(accessLog.requests) };
    if (operation === "pull") await verifyLayout(plan.output, plan.layout.tag, context.graph);
    else await verifyRepository(context.registry.url, plan.destination, plan.layout.tag, context.graph);
    return sample;
  } finally {
    await rm(skopeoCache, { recursive: true, force: true });
    if (operation === "pull") await rm(plan.output, { recursive: true, force: true });
  }
}

// skopeo puts the layout into the registry: the image every pull and copy reads, made by the reference tool.
async function seed(context: CaseContext, repository: string): Promise<void> {
  const { layout, registry } = context;
  const args = seedArguments(layout, `${registry.host}/${repository}:${layout.tag}`);
  for (let attempt = 1; ; attempt++) {
    const cache = await mkdtemp(join(context.work, "skopeo-cache-"));
    try {
      await measure("skopeo", args, { env: skopeoEnvironment(cache), timeout: 300_000 });
      return;
    } catch (error) {
      if (!(error instanceof MeasureTimeoutError) || attempt === attempts) throw error;
      context.log(`  seeding ${repository} hung (${error.message}); seeding again`);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  }
}
