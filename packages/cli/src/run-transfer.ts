import type { CopyCallOptions, CopyOutcome } from "@stevedore/client";
import { formatPlatform } from "@stevedore/core";
import type { CommandContext } from "./command-context.js";
import { formatBytes } from "./format-bytes.js";

/**
 * Runs a pull, push or copy with progress for the output mode, and prints one result line per outcome:
 * `DESTINATION DIGEST (N transferred, N skipped, N mounted; SIZE)`, or with `--json` the outcomes.
 * The progress display is cleared however the transfer ends (an abort on SIGINT included). Resolves
 * with the outcomes.
 */
export async function runTransfer(
  context: CommandContext,
  transfer: (options: CopyCallOptions) => Promise<CopyOutcome | CopyOutcome[]>,
): Promise<CopyOutcome[]> {
  const progress = context.progress();
  let result: CopyOutcome | CopyOutcome[];
  try {
    result = await transfer({
      onProgress: (event) => progress.onProgress(event),
      ...(context.signal === undefined ? {} : { signal: context.signal }),
    });
  } finally {
    progress.finish();
  }
  const outcomes = Array.isArray(result) ? result : [result];
  for (const outcome of outcomes) await context.print(describeOutcome(outcome));
  await context.printJson({ outcomes });
  return outcomes;
}

/**
 * The text result line of one copied image. A docker archive holds one platform of an index: the line
 * names it (`DESTINATION DIGEST linux/arm64 (…)`).
 */
export function describeOutcome(outcome: CopyOutcome): string {
  const { transferred, skipped, mounted } = outcome.blobs;
  const counts = `${transferred} transferred, ${skipped} skipped, ${mounted} mounted`;
  const [platform, ...more] = outcome.platforms;
  const picked =
    outcome.destination.startsWith("docker-archive:") && platform !== undefined && more.length === 0
      ? ` ${formatPlatform(platform)}`
      : "";
  return `${outcome.destination} ${outcome.digest}${picked} (${counts}; ${formatBytes(outcome.bytes)})`;
}
