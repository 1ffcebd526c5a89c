import { largeBlobCases, type Operation } from "./contestants.ts";
import type { FloorSummary, OperationSummary } from "./summarize.ts";

/** A goal of the issue, checked against the medians of a run. */
export interface TargetResult {
  label: string;
  /** The limit, in the unit of `value`. */
  limit: number;
  /** The measured value: a median ratio, MiB or seconds; NaN when the run did not measure it. */
  value: number;
  unit: "ratio" | "MiB" | "ms";
  met: boolean | undefined;
}

/** A median stevedore / skopeo ratio to stay at or under. */
export interface RatioTarget {
  case: string;
  operation: Operation;
  limit: number;
  label: string;
}

const ratioTargets: RatioTarget[] = [
  { case: "b", operation: "pull", limit: 0.4, label: "pull (b)" },
  { case: "a", operation: "pull", limit: 0.35, label: "pull (a)" },
  { case: "c", operation: "pull", limit: 0.25, label: "pull (c)" },
  { case: "b", operation: "push", limit: 0.8, label: "push (b)" },
  { case: "c", operation: "push", limit: 0.1, label: "push (c)" },
  { case: "c", operation: "push-existing", limit: 0.05, label: "push (c), all exist" },
  { case: "b", operation: "copy", limit: 0.05, label: "copy (b), same registry (mounts)" },
];

/** `--s3` (issue 18): the registry on object storage, cases of `s3Cases`. */
export const s3RatioTargets: RatioTarget[] = [
  { case: "s", operation: "pull", limit: 0.8, label: "S3 registry: pull of a small image (s)" },
  { case: "l", operation: "push", limit: 0.8, label: "S3 registry: push of one 64 MiB layer (l)" },
];

/** `--tls` (issue 18): the registry over HTTPS, the full cases. */
export const tlsRatioTargets: RatioTarget[] = [
  { case: "b", operation: "pull", limit: 0.7, label: "TLS pull (b)" },
  { case: "a", operation: "pull", limit: 0.7, label: "TLS pull (a)" },
  { case: "c", operation: "pull", limit: 0.4, label: "TLS pull (c)" },
  { case: "b", operation: "push", limit: 0.8, label: "TLS push (b)" },
];

/**
 * The issues' targets: median stevedore/skopeo ratios, peak RSS ≤ 120 MiB, no more requests than skopeo,
 * `--version` ≤ 150 ms.
 */
export function checkTargets(
  summaries: OperationSummary[],
  versionMilliseconds: number,
  ratios: RatioTarget[] = ratioTargets,
): TargetResult[] {
  const results: TargetResult[] = ratios.map((target) => {
    const summary = summaries.find(
      (item) => item.case === target.case && item.operation === target.operation,
    );
    const value = summary?.ratio.median ?? Number.NaN;
    return {
      label: `${target.label} ≤ ${target.limit}${floorNote(target.case, summary?.floors)}`,
      limit: target.limit,
      value,
      unit: "ratio",
      met: summary ? value <= target.limit : undefined,
    };
  });
  const peak = Math.max(...summaries.map((summary) => summary.stevedore.peakRss));
  const worst = summaries.find((summary) => summary.stevedore.peakRss === peak);
  results.push({
    label: `peak RSS, any case ≤ 120 MiB${worst ? ` (worst: ${worst.operation} (${worst.case}))` : ""}`,
    limit: 120,
    value: summaries.length > 0 ? peak : Number.NaN,
    unit: "MiB",
    met: summaries.length > 0 ? peak <= 120 : undefined,
  });
  // Issue 18: never more requests than skopeo. The worst case is stevedore's most over skopeo's fewest.
  const counted = summaries
    .filter((summary) => !Number.isNaN(summary.stevedore.requests.max + summary.skopeo.requests.min))
    .map((summary) => ({ summary, value: summary.stevedore.requests.max / summary.skopeo.requests.min }));
  const most = counted.reduce<(typeof counted)[number] | undefined>(
    (worst, item) => (worst === undefined || item.value > worst.value ? item : worst),
    undefined,
  );
  results.push({
    label:
      "requests per run ≤ skopeo's, any case" +
      (most
        ? ` (worst: ${most.summary.operation} (${most.summary.case}), ` +
          `${most.summary.stevedore.requests.max} / ${most.summary.skopeo.requests.min})`
        : ""),
    limit: 1,
    value: most?.value ?? Number.NaN,
    unit: "ratio",
    met: most === undefined ? undefined : most.value <= 1,
  });
  results.push({
    label: "`stevedore --version` ≤ 150 ms",
    limit: 150,
    value: versionMilliseconds,
    unit: "ms",
    met: Number.isNaN(versionMilliseconds) ? undefined : versionMilliseconds <= 150,
  });
  return results;
}

/** The bare Node pulls of the same run, for a target's label: ` (floor, …: h2 1.10 s, 0.452; …)`. */
function floorNote(caseName: string, floors: readonly FloorSummary[] | undefined): string {
  if (floors === undefined || floors.length === 0) return "";
  const each = floors.map(
    (floor) =>
      `${floor.floor === "floor-h2" ? "h2" : "HTTP/1.1"} ${floor.wall.median.toFixed(2)} s, ${floor.ratio.median.toFixed(3)}`,
  );
  const way = largeBlobCases.has(caseName)
    ? "one thread, 2 at a time, each blob streamed, hashed and written"
    : "8 at a time, each blob hashed and written";
  return ` (floor, a bare Node pull in the same run — undici, ${way}: ${each.join("; ")})`;
}
