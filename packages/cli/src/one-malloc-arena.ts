/**
 * Runs the commands that serve blobs or edit images with one glibc malloc arena and fixed malloc thresholds,
 * by replacing the process with itself once at start-up.
 *
 * Why: glibc's per-thread arenas kept what V8's and libuv's threads freed, well above what a transfer
 * used; one arena alone made the heap shrink and regrow under the socket buffers, hence the fixed
 * thresholds (docs/decisions/0001-one-malloc-arena.md has the measurements).
 *
 * glibc reads these variables once, when the process starts, so they cannot be set from JavaScript: the
 * process execs itself (same PID, same streams, same signals) with them added. That costs one Node start.
 * `pull`, `push` and `copy` no longer pay it: most of what the other arenas kept was V8's TurboFan compile
 * of undici's parser, which the CLI no longer runs (start.ts), and without it their peak RSS is the same
 * with the default arenas (docs/decisions/0012-fixed-cost.md). Malloc settings already in the environment
 * (MALLOC_ARENA_MAX or GLIBC_TUNABLES, any value) are left alone, and nothing restarts: that is also how
 * to opt out.
 */
import { readFileSync } from "node:fs";
import { isSea } from "node:sea";

/** The commands that serve blobs or rewrite images (not re-measured without the restart: record 0012). */
const blobCommands: ReadonlySet<string> = new Set([
  "blob",
  "serve",
  "append",
  "flatten",
  "export",
  "get-file",
]);

/** What the restarted process gets: one arena, blocks up to 4 MiB from the heap, 32 MiB kept at its top. */
export const oneArenaEnvironment: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "1",
  MALLOC_MMAP_THRESHOLD_: String(4 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(32 * 1024 * 1024),
};

/** What the decision depends on, passed in so it can be tested without a process of its own. */
export interface MallocArenaSituation {
  /** The arguments after the script (`process.argv.slice(2)`). */
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** The process's memory map (`/proc/self/maps`): glibc shows up as `libc.so.6`, musl does not. */
  readMaps: () => string;
}

/**
 * Whether this run should restart with one malloc arena: on Linux with glibc, for a command that serves
 * blobs or rewrites images (any argument naming one, so `--debug serve …` counts too), when neither
 * MALLOC_ARENA_MAX nor GLIBC_TUNABLES is set yet.
 */
export function wantsOneMallocArena(situation: MallocArenaSituation): boolean {
  if (situation.platform !== "linux") return false;
  if (situation.env.MALLOC_ARENA_MAX !== undefined || situation.env.GLIBC_TUNABLES !== undefined)
    return false;
  if (!situation.argv.some((argument) => blobCommands.has(argument))) return false;
  try {
    return /\/libc\.so\.6$/m.test(situation.readMaps());
  } catch {
    return false;
  }
}

/**
 * Replaces this process with the same `node` command line plus {@link oneArenaEnvironment} when
 * {@link wantsOneMallocArena} says so; otherwise (or when the exec fails) returns and the run goes on as it
 * is. Call it first, before anything is read from or written to the standard streams.
 */
export function restartWithOneMallocArena(): void {
  const situation: MallocArenaSituation = {
    argv: process.argv.slice(2),
    env: process.env,
    platform: process.platform,
    readMaps: () => readFileSync("/proc/self/maps", "latin1"),
  };
  if (!wantsOneMallocArena(situation) || typeof process.execve !== "function") return;
  try {
    // The single executable (pnpm build:binary) has no script argument: its argv[1] is the executable again.
    const rest = isSea() ? process.argv.slice(2) : [...process.execArgv, ...process.argv.slice(1)];
    process.execve(process.execPath, [process.execPath, ...rest], {
      ...process.env,
      ...oneArenaEnvironment,
    });
  } catch {
    // No exec (a sandbox without execve, a node binary replaced on disk): run with the arenas there are.
  }
}
