import type { ProgressEvent } from "@stevedore/core";
import type { OutputStream } from "../cli-io.js";
import { formatBytes } from "../format-bytes.js";
import { shortDigest } from "../short-digest.js";
import type { ProgressReporter } from "./progress-reporter.js";

/**
 * Progress for logs (stderr is not a terminal): one line per finished blob and manifest, e.g.
 * `blob sha256:abcd… 12.3 MiB transferred`.
 *
 * @example
 * const progress = createPlainProgress(process.stderr);
 * await client.pull(reference, path, { onProgress: progress.onProgress });
 */
export function createPlainProgress(stream: OutputStream): ProgressReporter {
  return {
    onProgress(event: ProgressEvent): void {
      if (event.type === "blob-done") {
        const { descriptor, outcome } = event;
        stream.write(`blob ${shortDigest(descriptor.digest)} ${formatBytes(descriptor.size)} ${outcome}\n`);
      } else if (event.type === "manifest-done") {
        const tag = event.tag === undefined ? "" : ` ${event.tag}`;
        stream.write(`manifest ${shortDigest(event.descriptor.digest)}${tag}\n`);
      }
    },
    finish(): void {},
  };
}
