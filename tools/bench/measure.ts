import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readProcessCpuSeconds, readSystemCpu, type SystemCpu } from "./proc-stat.ts";

/** GNU time; `apt-get install time` when missing (tools/bench/README.md). */
export const gnuTime = "/usr/bin/time";

/** One measured process. */
export interface Sample {
  /** Wall time in seconds, from spawn to exit, measured here (GNU time's `%e` has 10 ms steps). */
  wall: number;
  /** User and system CPU seconds of the process and its children (GNU time `%U`, `%S`). */
  user: number;
  system: number;
  /** Peak resident set size in MiB (GNU time `%M`). */
  peakRss: number;
  /** CPU seconds the registry process spent meanwhile, when its pid was given. */
  registryCpu?: number;
  /**
   * CPU seconds every other process on the machine spent meanwhile (all busy time minus this process and the
   * registry): other work sharing the cores, the noise of this sample.
   */
  otherCpu: number;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  /** The registry's pid, to charge its CPU time to the sample. */
  registryPid?: number;
  /** Killed (with its whole process group) after this many milliseconds (default 10 minutes). */
  timeout?: number;
}

/** The measured command did not finish in time and was killed. */
export class MeasureTimeoutError extends Error {
  constructor(command: string, timeout: number) {
    super(`${command} did not finish within ${(timeout / 1000).toFixed(0)} s and was killed`);
    this.name = "MeasureTimeoutError";
  }
}

/**
 * Runs `command args…` under GNU time and returns its wall time, CPU and peak RSS. Fails with the tail of
 * the command's stderr when it exits non-zero (a fast failure must never pass as a fast run).
 */
export async function measure(
  command: string,
  args: string[],
  options: MeasureOptions = {},
): Promise<Sample> {
  if (!existsSync(gnuTime)) {
    throw new Error(`${gnuTime} is missing: install GNU time (apt-get install time)`);
  }
  const directory = await mkdtemp(join(tmpdir(), "stevedore-bench-time-"));
  const report = join(directory, "time.txt");
  try {
    const registryBefore = options.registryPid ? readProcessCpuSeconds(options.registryPid) : undefined;
    const systemBefore = readSystemCpu();
    const started = performance.now();
    const timeout = options.timeout ?? 600_000;
    const { code, stderr, timedOut } = await run(
      gnuTime,
      ["-o", report, "-f", "%e %U %S %M", command, ...args],
      options.env ?? process.env,
      timeout,
    );
    if (timedOut) throw new MeasureTimeoutError(command, timeout);
    const wall = (performance.now() - started) / 1000;
    const systemAfter = readSystemCpu();
    const registryAfter = options.registryPid ? readProcessCpuSeconds(options.registryPid) : undefined;
    if (code !== 0) {
      throw new Error(`${command} ${args.join(" ")} exited with ${code}: ${stderr.trim().slice(-2000)}`);
    }
    const lines = (await readFile(report, "utf8")).trim().split("\n");
    const fields = (lines.at(-1) ?? "").split(" ").map(Number);
    const [, user = Number.NaN, system = Number.NaN, rssKibibytes = Number.NaN] = fields;
    const registryCpu =
      registryBefore !== undefined && registryAfter !== undefined
        ? registryAfter - registryBefore
        : undefined;
    return {
      wall,
      user,
      system,
      peakRss: rssKibibytes / 1024,
      ...(registryCpu !== undefined && { registryCpu }),
      otherCpu: Math.max(0, busySeconds(systemBefore, systemAfter) - user - system - (registryCpu ?? 0)),
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function busySeconds(before: SystemCpu, after: SystemCpu): number {
  return after.busy - before.busy;
}

// Process groups still running, killed if this process exits first (Ctrl-C, a crash).
const running = new Set<number>();
process.once("exit", () => {
  for (const group of running) killGroup(group);
});

function killGroup(group: number): void {
  try {
    process.kill(-group, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeout: number,
): Promise<{ code: number; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout kills GNU time and the command it runs, not just time.
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], env, detached: true });
    const group = child.pid;
    if (group !== undefined) running.add(group);
    let stderr = "";
    let timedOut = false;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-8192);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (group !== undefined) killGroup(group);
    }, timeout);
    const settle = (): void => {
      clearTimeout(timer);
      if (group !== undefined) running.delete(group);
    };
    child.once("error", (error) => {
      settle();
      reject(error);
    });
    child.once("close", (code, signal) => {
      settle();
      resolve({ code: code ?? (signal ? 128 : 1), stderr, timedOut });
    });
  });
}
