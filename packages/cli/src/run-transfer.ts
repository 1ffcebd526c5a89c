import type { CopyCallOptions, CopyOutcome } from "@stevedore/client";
import { formatPlatform } from "@stevedore/core";
import type { CommandContext } from "./command-context.js";
import { formatBytes } from "./format-bytes.js";

/**
 * Runs a pull, push or copy with progress for the output mode, and prints one result line per outcome:
 * `DESTINATION DIGEST (N transferred, N skipped, N mounted; SIZE)`, or with `--json` the outcomes.
 * The progress display is cleared however the transfer ends (an abort on SIGINT included). With
 * `summary` (`copy --all-tags`) a last line adds them up: `N tags copied (N transferred, …; SIZE)`, and
 * the JSON result gets `total`. Resolves with the outcomes.
 */
export async function runTransfer(
  context: CommandContext,
  transfer: (options: CopyCallOptions) => Promise<CopyOutcome | CopyOutcome[]>,
  runOptions: { summary?: boolean } = {},
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
  if (runOptions.summary !== true) {
    await context.printJson({ outcomes });
    return outcomes;
  }
  const total = totalOf(outcomes);
  await context.print(
    `${total.tags} ${total.tags === 1 ? "tag" : "tags"} copied (${countsOf(total)}; ${formatBytes(total.bytes)})`,
  );
  await context.printJson({ outcomes, total });
  return outcomes;
}

/** The run of several outcomes (`copy --all-tags`): each blob is counted in one outcome, so they add up. */
function totalOf(outcomes: readonly CopyOutcome[]): {
  tags: number;
  blobs: CopyOutcome["blobs"];
  bytes: number;
} {
  const blobs = { transferred: 0, skipped: 0, mounted: 0 };
  let bytes = 0;
  for (const outcome of outcomes) {
    blobs.transferred += outcome.blobs.transferred;
    blobs.skipped += outcome.blobs.skipped;
    blobs.mounted += outcome.blobs.mounted;
    bytes += outcome.bytes;
  }
  return { tags: outcomes.length, blobs, bytes };
}

function countsOf({ blobs }: { blobs: CopyOutcome["blobs"] }): string {
  return `${blobs.transferred} transferred, ${blobs.skipped} skipped, ${blobs.mounted} mounted`;
}

/**
 * The text result line of one copied image. A docker archive holds one platform of an index: the line
 * names it (`DESTINATION DIGEST linux/arm64 (…)`).
 */
export function describeOutcome(outcome: CopyOutcome): string {
  const counts = countsOf(outcome);
  const [platform, ...more] = outcome.platforms;
  const picked =
    outcome.destination.startsWith("docker-archive:") && platform !== undefined && more.length === 0
      ? ` ${formatPlatform(platform)}`
      : "";
  return `${outcome.destination} ${outcome.digest}${picked} (${counts}; ${formatBytes(outcome.bytes)})`;
}
