/**
 * The `stevedore` executable once bin.ts has checked the Node version: runs `main` with this process's
 * streams and environment, turns SIGINT and SIGTERM into an abort (the running transfer cleans up, then the
 * exit status is 130; `serve` closes and exits 0), and sets `process.exitCode`.
 */
import { enableCompileCache } from "node:module";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { restartWithOneMallocArena } from "./one-malloc-arena.js";

// Keeps V8's young generation at its initial 1 MiB instead of letting it grow to 16 MiB per semi-space.
// Every socket read is a fresh 64 KiB buffer that dies at once, and each lives until the next scavenge:
// with the default growth a 1 GiB pull held 60–80 MiB of dead buffers (peak RSS 171 MiB; with this flag
// 106 MiB, and no slower: 4.66/4.59/5.26 s vs 3.82/3.94/4.39 s, measured alternately). It is the run-time
// equivalent of `node --max-semi-space-size=1`, which cannot be set once V8 runs (measured: no effect),
// while the growth factor is read each time the young generation would grow.
// Set once the command's modules have loaded (`afterLoad` below), not here: any V8 flag set at run time
// changes V8's flag hash, and Node then compiles each built-in module loaded afterwards (http, assert,
// child_process … for the client) without its embedded code cache. Set here, a command that only loads the
// client took 210 ms instead of 184 (CPU 160 vs 130 ms, medians of 15 alternating runs); the transfer that
// follows runs with the flag all the same.
//
// The young generation only fills, and so is only collected, when JavaScript allocates; an upload allocates
// almost nothing on the heap but reads its file in fresh 1 MiB buffers, so those sat dead until V8's
// external-memory trigger (~64 MiB) started a full collection: a push of 8 × 128 MiB peaked at 162–165 MiB.
// So every 20 ms, when more than 8 MiB of array buffers are held, a minor collection frees the dead ones
// while they are young. Only then: forced on a download, whose allocations already keep the young generation
// turning over, it promoted chunks still in flight to the old generation (1 GiB pull 114 → 122–130 MiB).
// Every 50 ms above 16 MiB was enough while sockets read 64 KiB at a time; with the transport's 256 KiB
// reads a pull allocates less on the heap per byte, and peaked at 114 MiB with it instead of 96–100.
// `gc` exists only in a context created after `--expose-gc` is set; the timer never keeps the process alive.
const limitYoungGeneration = (): void => {
  setFlagsFromString("--semi-space-growth-factor=1");
  setFlagsFromString("--expose-gc");
  const collect: unknown = runInNewContext("typeof gc === 'function' ? gc : undefined");
  if (typeof collect !== "function") return;
  setInterval(() => {
    if (process.memoryUsage().arrayBuffers > 8 * 1024 * 1024) collect({ type: "minor" });
  }, 20).unref();
};

/** Runs the command line of this process; bin.ts calls it once the Node version is right. */
export async function start(): Promise<void> {
  // First of all, before the streams are touched: pull, push, copy, blob and serve exec themselves once with
  // MALLOC_ARENA_MAX=1 on glibc (one-malloc-arena.ts says why and what it costs).
  restartWithOneMallocArena();

  // Caches the compiled code of every module (in the default place under the temp directory), so later runs
  // skip parsing and compiling: about a third of the start-up. Only modules loaded after this call benefit,
  // hence the dynamic imports below. A cache that cannot be written is silently not used.
  enableCompileCache?.();
  // The published `stevedore` is one bundled file and chunks (rolldown.config.ts): with --debug, stacks
  // point into the sources through the bundle's source maps. Only modules loaded after this call get them.
  if (process.argv.includes("--debug")) process.setSourceMapsEnabled(true);
  const { isStrayAbort } = await import("./is-stray-abort.js");
  const { main } = await import("./main.js");

  const controller = new AbortController();
  let interrupts = 0;
  const interrupt = (): void => {
    interrupts++;
    // A second Ctrl-C (or SIGTERM) means "now": skip the cleanup the first one started.
    if (interrupts > 1) process.exit(130);
    controller.abort();
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
    afterLoad: limitYoungGeneration,
    ...(process.stderr.columns === undefined ? {} : { columns: process.stderr.columns }),
  });
}
