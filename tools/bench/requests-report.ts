import type { Spread } from "./statistics.ts";

/** An operation of `requests.ts`: `copy-between` copies from registry A to registry B. */
export type RequestOperation = "pull" | "push" | "push-existing" | "copy" | "copy-between";

/** One tool's figures over the measured rounds of one case and operation. */
export interface RequestsFigures {
  /** Seconds. */
  wall: Spread;
  /** User + system seconds. */
  cpu: Spread;
  /** MiB. */
  peakRss: Spread;
  /** HTTP requests counted at the proxies. */
  requests: Spread;
}

/** One case and operation of a `requests.ts` run. */
export interface RequestsRow {
  case: string;
  operation: RequestOperation;
  stevedore: RequestsFigures;
  skopeo: RequestsFigures;
  /** stevedore's wall time over skopeo's, round by round. */
  ratio: Spread;
  /** `--floor`: a bare Node client's pull (latency-floor-script.ts), and its time over skopeo's. */
  floor?: RequestsFigures;
  floorRatio?: Spread;
}

/** What `requests.ts --json FILE` writes. */
export interface RequestsReport {
  date: string;
  /** Milliseconds added each way at the proxies. */
  delay: number;
  pairs: number;
  loadAverageBefore: number;
  loadAverageAfter: number;
  rows: RequestsRow[];
}
