/**
 * Runs a Node process the way a user's shell would run `stevedore` — this Node, stdin closed, stdout and
 * stderr collected as text — with an environment that holds no credentials of the machine running the
 * tests: only PATH, a HOME in the temp folder and a DOCKER_CONFIG that does not exist.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";

/** How the process ended, and everything it wrote. */
export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The running process (to signal it) and its end. */
export interface SpawnedNode {
  child: ChildProcessByStdio<null, Readable, Readable>;
  exited: Promise<Exited>;
}

/**
 * Starts `node <args>` (flags, then the script and its arguments) and collects its output; `env` adds to
 * the clean environment.
 */
export function spawnNode(args: readonly string[], env: Readonly<Record<string, string>> = {}): SpawnedNode {
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: tmpdir(),
      DOCKER_CONFIG: join(tmpdir(), "stevedore-no-config"),
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const exited = once(child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    stdout,
    stderr,
  }));
  return { child, exited };
}
