import type { ProgressEvent } from "@stevedore/core";
import type { OutputStream } from "../cli-io.js";
import type { ProgressReporter } from "./progress-reporter.js";

/** Options of {@link createJsonProgress}. */
export interface JsonProgressOptions {
  now?: () => number;
  /** Least time between two `blob-progress` lines of one blob. Default 250 ms. */
  intervalMilliseconds?: number;
}

/**
 * Progress for `--json`: each event as one JSON line on stdout, exactly as the client emits it, except that
 * `blob-progress` is thinned to one line per blob per interval (the last one, `bytes === total`, always
 * goes out).
 *
 * @example
 * const progress = createJsonProgress(process.stdout);
 * // {"type":"blob-start","descriptor":{…}}
 * // {"type":"blob-done","descriptor":{…},"bytes":2048,"outcome":"transferred"}
 */
export function createJsonProgress(
  stream: OutputStream,
  options: JsonProgressOptions = {},
): ProgressReporter {
  const now = options.now ?? Date.now;
  const interval = options.intervalMilliseconds ?? 250;
  const lastLine = new Map<string, number>();
  return {
    onProgress(event: ProgressEvent): void {
      if (event.type === "blob-progress") {
        const time = now();
        const previous = lastLine.get(event.descriptor.digest);
        if (event.bytes < event.total && previous !== undefined && time - previous < interval) return;
        lastLine.set(event.descriptor.digest, time);
      } else if (event.type === "blob-done") {
        lastLine.delete(event.descriptor.digest);
      }
      stream.write(`${JSON.stringify(event)}\n`);
    },
    finish(): void {},
  };
}
