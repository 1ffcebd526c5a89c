import type { Descriptor, ProgressEvent } from "@stevedore/core";
import type { OutputStream } from "../cli-io.js";
import { formatBytes } from "../format-bytes.js";
import { shortDigest } from "../short-digest.js";
import type { ProgressReporter } from "./progress-reporter.js";

/** Options of {@link createTtyProgress}. */
export interface TtyProgressOptions {
  /** Terminal width; lines are cut to fit so the redraw can count them. Default 80. */
  columns?: number;
  now?: () => number;
  /** Least time between two redraws caused by `blob-progress`. Default 100 ms. */
  intervalMilliseconds?: number;
  /** Bars drawn at most; the rest are summed up in one line. Default 8. */
  maxBars?: number;
}

interface ActiveBlob {
  descriptor: Descriptor;
  bytes: number;
  total: number;
}

// ANSI: cursor up n lines, to column 1, clear to the end of the screen.
const erase = (lines: number): string => (lines > 0 ? `\u001b[${lines}A\r\u001b[J` : "");

/**
 * Progress bars on a terminal (stderr): a bar per blob in flight and a total line, redrawn in place;
 * finished blobs scroll up as plain lines (`sha256:abcd… 12.3 MiB transferred`).
 *
 * @example
 * const progress = createTtyProgress(process.stderr, { columns: process.stderr.columns });
 */
export function createTtyProgress(stream: OutputStream, options: TtyProgressOptions = {}): ProgressReporter {
  const columns = Math.max(40, options.columns ?? 80);
  const now = options.now ?? Date.now;
  const interval = options.intervalMilliseconds ?? 100;
  const maxBars = options.maxBars ?? 8;
  const active = new Map<string, ActiveBlob>();
  let drawnLines = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let started = 0;
  let finished = 0;
  let bytesDone = 0;
  let bytesTotal = 0;

  const fit = (line: string): string => (line.length < columns ? line : `${line.slice(0, columns - 2)}…`);

  const liveLines = (): string[] => {
    const lines: string[] = [];
    const blobs = [...active.values()];
    for (const blob of blobs.slice(0, maxBars)) {
      const label = `${shortDigest(blob.descriptor.digest)} `;
      const amounts = ` ${formatBytes(blob.bytes)} / ${formatBytes(blob.total)}`;
      const width = Math.max(10, Math.min(30, columns - label.length - amounts.length - 3));
      lines.push(fit(`${label}${bar(blob.bytes, blob.total, width)}${amounts}`));
    }
    if (blobs.length > maxBars) lines.push(`… and ${blobs.length - maxBars} more`);
    if (started > 0) {
      const inFlight = [...active.values()].reduce((sum, blob) => sum + blob.bytes, 0);
      lines.push(
        fit(
          `${finished}/${started} blobs  ${formatBytes(bytesDone + inFlight)} / ${formatBytes(bytesTotal)}`,
        ),
      );
    }
    return lines;
  };

  const draw = (committed: string[], force: boolean): void => {
    const time = now();
    if (!force && committed.length === 0 && time - lastDraw < interval) return;
    lastDraw = time;
    const lines = liveLines();
    const text = [...committed.map(fit), ...lines].map((line) => `${line}\n`).join("");
    stream.write(`${erase(drawnLines)}${text}`);
    drawnLines = lines.length;
  };

  return {
    onProgress(event: ProgressEvent): void {
      switch (event.type) {
        case "blob-start": {
          const { descriptor } = event;
          if (!active.has(descriptor.digest)) {
            started++;
            bytesTotal += descriptor.size;
          }
          active.set(descriptor.digest, { descriptor, bytes: 0, total: descriptor.size });
          draw([], true);
          return;
        }
        case "blob-progress": {
          const blob = active.get(event.descriptor.digest);
          if (blob === undefined) return;
          blob.bytes = event.bytes;
          blob.total = event.total;
          draw([], false);
          return;
        }
        case "blob-done": {
          const { descriptor, outcome } = event;
          if (!active.delete(descriptor.digest)) {
            // A blob that was skipped or mounted may finish without a start event.
            started++;
            bytesTotal += descriptor.size;
          }
          finished++;
          bytesDone += descriptor.size;
          draw([`${shortDigest(descriptor.digest)} ${formatBytes(descriptor.size)} ${outcome}`], true);
          return;
        }
        case "manifest-done": {
          const tag = event.tag === undefined ? "" : ` ${event.tag}`;
          draw([`manifest ${shortDigest(event.descriptor.digest)}${tag}`], true);
          return;
        }
        default:
          return;
      }
    },
    finish(): void {
      stream.write(erase(drawnLines));
      drawnLines = 0;
    },
  };
}

function bar(bytes: number, total: number, width: number): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, bytes / total)) : 0;
  const filled = Math.round(fraction * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}
