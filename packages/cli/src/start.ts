/**
 * The `stevedore` executable once bin.ts has checked the Node version: runs `main` with this process's
 * streams and environment, turns SIGINT and SIGTERM into an abort (the running transfer cleans up, then the
 * exit status is 130; `serve` closes and exits 0), and sets `process.exitCode`.
 */
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { restartWithOneMallocArena } from "./one-malloc-arena.js";

// Dead socket and file buffers pile up in a growing young generation: keep it small and run minor
// collections on a timer while many array buffers are held (settings below). Set after the command's modules
// load (`afterLoad` below), because a V8 flag set earlier costs Node its built-ins' code cache
// (docs/decisions/0002-young-generation-timer.md).
// `gc` exists only in a context created after `--expose-gc` is set. That context is made the first time the
// buffers pass the limit, so a short command never pays for it (docs/decisions/0016-no-startup-snapshot.md).
// The timer never keeps the process alive.
/** V8's defaults of the flags set below, set back before a code cache is made (load-chunks.ts). */
const defaultFlags = ["--semi-space-growth-factor=2", "--no-expose-gc", "--wasm-tiering-budget=13000000"];

/**
 * Sets V8's flags that this module changes back to V8's defaults. A code cache carries a hash of the flags
 * it was made under and V8 refuses it under others: the bin's loader calls this once the command has run,
 * before it makes the caches the next start reads (docs/decisions/0025-code-cache.md).
 */
export function restoreV8Flags(): void {
  for (const flag of defaultFlags) setFlagsFromString(flag);
}

const gcFunction = (): unknown =>
  process.getBuiltinModule("node:vm").runInNewContext("typeof gc === 'function' ? gc : undefined");
const limitYoungGeneration = (): void => {
  setFlagsFromString("--semi-space-growth-factor=1");
  setFlagsFromString("--expose-gc");
  let collect: unknown;
  // V8's external memory is the array buffers plus what the loaded modules keep outside the heap (a few MB,
  // about steady once they have loaded): its growth from here stands for the buffers' without reading
  // `process.memoryUsage()`, which also reads the RSS from /proc (docs/decisions/0024-tls-small-blobs.md).
  const atStart = getHeapStatistics().external_memory;
  let fullCollectionDone = false;
  setInterval(() => {
    const grown = getHeapStatistics().external_memory - atStart;
    if (grown <= 8 * 1024 * 1024) return;
    collect ??= gcFunction() ?? null;
    if (typeof collect !== "function") return;
    // Once, the first time the buffers pass twice the limit above, a full collection: without it dead
    // buffers pile up in the old generation until V8 runs its own, which raises a pull's peak memory; run
    // again and again, it slows large plain-HTTP pulls (docs/decisions/0028-one-full-collection.md).
    if (!fullCollectionDone && grown > 16 * 1024 * 1024) {
      fullCollectionDone = true;
      collect({ type: "major" });
    } else collect({ type: "minor" });
  }, 20).unref();
};

const connectionBuiltins = ["node:http", "node:assert", "node:perf_hooks"];
const transferBuiltins = ["node:crypto"];
/** Commands that hash nothing: registry reads answered by a `HEAD` or a list. */
const readOnlyCommands: ReadonlySet<string> = new Set(["digest", "ls", "catalog", "login", "logout"]);

// undici's HTTP/1.1 parser is WebAssembly. Once it is warm V8 recompiles its large parse function with
// TurboFan on another thread, which costs CPU and compiler memory, and exit waits for that compile: most
// of a short command's teardown. With a tiering budget far above V8's, the parser stays on
// Liftoff's code, which parses as fast here (docs/decisions/0012-fixed-cost.md). `--liftoff-only` would say
// so more plainly but has no effect once V8 runs. Set before the first connection instantiates the parser.
const afterLoad = (command: string): void => {
  // Built-in modules compiled after a V8 flag changes lose their code cache and load slower: what
  // the command is about to load anyway loads first — node:http and node:assert (undici's connections),
  // node:perf_hooks (undici times a connection that goes idle, which the CLI no longer closes first), and
  // for a command that hashes node:crypto (docs/decisions/0019-lighter-start.md, 0023-start-and-exit.md).
  const load = readOnlyCommands.has(command)
    ? connectionBuiltins
    : [...connectionBuiltins, ...transferBuiltins];
  for (const name of load) process.getBuiltinModule(name);
  limitYoungGeneration();
  setFlagsFromString("--wasm-tiering-budget=1000000000");
};

/** Runs the command line of this process; bin.ts calls it once the Node version is right. */
export async function start(): Promise<void> {
  // First of all, before the streams are touched: serve, blob and the image edits exec themselves once with
  // MALLOC_ARENA_MAX=1 on glibc (one-malloc-arena.ts says why and what it costs).
  restartWithOneMallocArena();

  // The published `stevedore` is one bundled file and chunks (rolldown.config.ts): with --debug, stacks
  // point into the sources through the bundle's source maps. Only modules loaded after this call get them.
  if (process.argv.includes("--debug")) process.setSourceMapsEnabled(true);
  const { isStrayAbort } = await import("./is-stray-abort.js");
  const { main } = await import("./main.js");

  const controller = new AbortController();
  let interrupts = 0;
  const interrupt = (signal: NodeJS.Signals): void => {
    interrupts++;
    // A second Ctrl-C (or SIGTERM) means "now": skip the cleanup the first one started.
    if (interrupts > 1) {
      stopNow(signal);
      return;
    }
    controller.abort();
    // A cleanup stuck in a system call (a write to a pipe nobody reads) must not keep the process alive.
    setTimeout(() => stopNow(signal), cleanupGraceMilliseconds).unref();
  };
  process.on("SIGINT", interrupt);
  // SIGTERM (a service manager, `kill`) gets the same cleanup: upload sessions cancelled, `serve` closed.
  process.on("SIGTERM", interrupt);
  // `stevedore ls … | head -1`: a closed pipe ends the command quietly, as it does for other tools.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  // A request body destroyed during cleanup may emit an abort nobody listens for; the command has already
  // reported (or will report) the real failure, so such leftovers must not replace it with a crash.
  const onStray = (error: unknown): void => {
    if (isStrayAbort(error)) return;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(
      `stevedore: internal error: ${message.replace(/\s+/g, " ")} (please report this; --debug shows more)\n`,
    );
    if (process.argv.includes("--debug") && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", onStray);
  process.on("unhandledRejection", onStray);

  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    isTTY: process.stderr.isTTY === true,
    signal: controller.signal,
    afterLoad,
    endsProcess: true,
    ...(process.stderr.columns === undefined ? {} : { columns: process.stderr.columns }),
  });
  // `beforeExit` comes once the event loop has emptied (every write flushed, every handle closed or
  // unref'd), where Node would exit anyway after tearing down its environment and heap, which gains a
  // process that ends nothing; exiting here skips that (docs/decisions/0023-start-and-exit.md).
  process.once("beforeExit", () => process.exit());
}

/** How long the cleanup that an interrupt starts may take before the process stops without it. */
const cleanupGraceMilliseconds = 5000;

/**
 * Ends the process by `signal` itself, as a shell reports an interrupted program (exit status 130 for
 * SIGINT, 143 for SIGTERM). Not `process.exit`: it waits for libuv's threads, and one blocked in a
 * system call never returns.
 */
function stopNow(signal: NodeJS.Signals): void {
  process.stderr.write("stevedore: interrupted; stopped before the cleanup finished\n");
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}
