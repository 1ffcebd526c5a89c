/**
 * Runs the commands that stream blobs with one glibc malloc arena and fixed malloc thresholds, by replacing
 * the process with itself once at start-up.
 *
 * Why: glibc's per-thread arenas keep what V8's and libuv's threads freed, well above what a
 * transfer used; one arena alone made the heap shrink and regrow under the socket buffers, hence the fixed
 * thresholds (docs/decisions/0001-one-malloc-arena.md has the measurements).
 *
 * glibc reads these variables once, when the process starts, so they cannot be set from JavaScript: the
 * process execs itself (same PID, same streams, same signals) with them added. That costs one Node start,
 * so only the commands that move blobs pay it; `--version`, `ls`, `inspect` and the rest do not, and neither
 * does a copy between two repositories of one registry, which mounts blobs instead of moving them, nor a
 * push (or copy) from a local layout or archive holding less than {@link smallSourceBytes}: one arena saves
 * a few MiB there, the restart costs more time than the transfer (docs/decisions/0012-fixed-cost.md).
 * Malloc settings already in the environment (MALLOC_ARENA_MAX or GLIBC_TUNABLES, any value) are left
 * alone, and nothing restarts: that is also how to opt out.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isSea } from "node:sea";

/** The commands (and aliases) that stream blobs or serve them. */
const blobCommands: ReadonlySet<string> = new Set([
  "pull",
  "push",
  "copy",
  "cp",
  "blob",
  "serve",
  "append",
  "flatten",
  "export",
  "get-file",
]);
const copyCommands: ReadonlySet<string> = new Set(["copy", "cp"]);

/** A local source smaller than this (the bytes of its blobs, or of the archive) is pushed without a restart. */
export const smallSourceBytes: number = 32 * 1024 * 1024;

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
  /**
   * The bytes of a local source operand (`oci:DIR[:TAG]`, `docker-archive:FILE[:NAME]`, a bare layout
   * directory for `push`), at least up to `limit`; `undefined` when it is no readable local source.
   */
  localSourceBytes?: (operand: string, bareIsLayout: boolean, limit: number) => number | undefined;
}

/**
 * Whether this run should restart with one malloc arena: on Linux with glibc, for a command that moves
 * blobs (any argument naming one, so `--debug pull …` counts too) other than a copy within one registry,
 * when neither MALLOC_ARENA_MAX nor GLIBC_TUNABLES is set yet.
 */
export function wantsOneMallocArena(situation: MallocArenaSituation): boolean {
  if (situation.platform !== "linux") return false;
  if (situation.env.MALLOC_ARENA_MAX !== undefined || situation.env.GLIBC_TUNABLES !== undefined)
    return false;
  if (!situation.argv.some((argument) => blobCommands.has(argument))) return false;
  if (copiesWithinOneRegistry(situation.argv)) return false;
  if (pushesSmallLocalSource(situation)) return false;
  try {
    return /\/libc\.so\.6$/m.test(situation.readMaps());
  } catch {
    return false;
  }
}

/**
 * True for `copy SRC DST` (or `cp`) where both are references on the same registry host, so the blobs are
 * mounted, not moved. Anything it cannot tell for sure — a flag value among the operands, a local location
 * (`oci:…`), a bare name (Docker Hub, where a mount may be refused) — counts as moving blobs.
 */
function copiesWithinOneRegistry(argv: readonly string[]): boolean {
  const at = argv.findIndex((argument) => copyCommands.has(argument));
  if (at < 0) return false;
  const operands = argv.slice(at + 1).filter((argument) => !argument.startsWith("-"));
  if (operands.length !== 2) return false;
  const [source, destination] = operands.map(registryHost);
  return source !== undefined && source === destination;
}

/**
 * True for `push SOURCE …` (or `copy`/`cp`) whose first operand is a local layout or archive holding less
 * than {@link smallSourceBytes}. A flag value before the source, or a source that cannot be read, counts
 * as large.
 */
function pushesSmallLocalSource(situation: MallocArenaSituation): boolean {
  const at = situation.argv.findIndex((argument) => blobCommands.has(argument));
  const command = situation.argv[at];
  if (command !== "push" && !copyCommands.has(command ?? "")) return false;
  const source = situation.argv.slice(at + 1).find((argument) => !argument.startsWith("-"));
  if (source === undefined || situation.localSourceBytes === undefined) return false;
  const bytes = situation.localSourceBytes(source, command === "push", smallSourceBytes);
  return bytes !== undefined && bytes < smallSourceBytes;
}

/**
 * The bytes of the blobs of a local OCI layout, or of a docker archive, named as `push` and `copy` name
 * them; stops counting past `limit`. `undefined` for anything else (a registry reference, a missing path).
 */
export function localSourceBytes(operand: string, bareIsLayout: boolean, limit: number): number | undefined {
  const archive = /^docker-archive:([^:]+)/.exec(operand);
  if (archive) return fileBytes(archive[1] ?? "");
  const layout = /^(?:oci|oci-layout):(.+)$/.exec(operand)?.[1] ?? (bareIsLayout ? operand : undefined);
  if (layout === undefined) return undefined;
  // `oci:DIR:TAG` — unless DIR itself holds a colon.
  return layoutBytes(layout, limit) ?? layoutBytes(layout.replace(/:[^:/]*$/, ""), limit);
}

function fileBytes(path: string): number | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

function layoutBytes(directory: string, limit: number): number | undefined {
  try {
    const blobs = join(directory, "blobs");
    let total = 0;
    for (const algorithm of readdirSync(blobs)) {
      const folder = join(blobs, algorithm);
      for (const name of readdirSync(folder)) {
        total += statSync(join(folder, name)).size;
        if (total >= limit) return total;
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

/** The registry host of a reference written with one (`host.name/…`, `host:port/…`, `localhost/…`). */
function registryHost(reference: string): string | undefined {
  const text = reference.startsWith("docker://") ? reference.slice("docker://".length) : reference;
  const slash = text.indexOf("/");
  if (slash <= 0) return undefined;
  const host = text.slice(0, slash);
  return /^(localhost(:\d+)?|[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?|[a-z0-9-]+:\d+|\[[0-9a-f:]+\](:\d+)?)$/i.test(
    host,
  )
    ? host.toLowerCase()
    : undefined;
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
    localSourceBytes,
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
