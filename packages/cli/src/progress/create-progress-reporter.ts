import type { CliIo } from "../cli-io.js";
import { createJsonProgress } from "./json-progress.js";
import { createPlainProgress } from "./plain-progress.js";
import type { ProgressReporter } from "./progress-reporter.js";
import { createTtyProgress } from "./tty-progress.js";

/** How progress is shown. */
export type ProgressMode = "tty" | "plain" | "json" | "none";

/** The progress mode for the output flags and the terminal: `--json` wins, then `--quiet`, then the TTY. */
export function progressModeFor(options: { json: boolean; quiet: boolean }, isTTY: boolean): ProgressMode {
  if (options.json) return options.quiet ? "none" : "json";
  if (options.quiet) return "none";
  return isTTY ? "tty" : "plain";
}

/**
 * The progress reporter for a mode: bars on stderr, plain lines on stderr, JSON lines on stdout, or nothing.
 *
 * @example
 * const progress = createProgressReporter("plain", io);
 * try { await client.pull(ref, path, { onProgress: progress.onProgress }); } finally { progress.finish(); }
 */
export function createProgressReporter(mode: ProgressMode, io: CliIo): ProgressReporter {
  const now = io.now ?? Date.now;
  switch (mode) {
    case "tty":
      return createTtyProgress(io.stderr, {
        now,
        ...(io.columns === undefined ? {} : { columns: io.columns }),
      });
    case "plain":
      return createPlainProgress(io.stderr);
    case "json":
      return createJsonProgress(io.stdout, { now });
    default:
      return { onProgress(): void {}, finish(): void {} };
  }
}
