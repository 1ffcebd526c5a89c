import type { Descriptor, ProgressEvent } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import type { OutputStream } from "../cli-io.js";
import { createProgressReporter, progressModeFor } from "./create-progress-reporter.js";
import { createJsonProgress } from "./json-progress.js";
import { createPlainProgress } from "./plain-progress.js";
import { createTtyProgress } from "./tty-progress.js";

const blob = (hex: string, size: number): Descriptor => ({
  mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
  digest: `sha256:${hex.repeat(64 / hex.length)}`,
  size,
});
const layer = blob("ab", 12_897_485);
const config = blob("cd", 512);
const manifest: Descriptor = {
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: `sha256:${"ef".repeat(32)}`,
  size: 400,
};

function sink(): OutputStream & { text: () => string } {
  const parts: string[] = [];
  return {
    write(chunk) {
      parts.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
      return true;
    },
    text: () => parts.join(""),
  };
}

const events: ProgressEvent[] = [
  { type: "blob-start", descriptor: layer },
  { type: "blob-progress", descriptor: layer, bytes: 1000, total: layer.size },
  { type: "blob-done", descriptor: config, bytes: 0, outcome: "skipped" },
  { type: "blob-progress", descriptor: layer, bytes: layer.size, total: layer.size },
  { type: "blob-done", descriptor: layer, bytes: layer.size, outcome: "transferred" },
  { type: "manifest-done", descriptor: manifest, tag: "v1" },
  {
    type: "copy-done",
    descriptor: manifest,
    blobs: { transferred: 1, skipped: 1, mounted: 0 },
    bytes: layer.size,
    milliseconds: 5,
  },
];

describe("plain progress", () => {
  it("one line per finished blob and manifest", () => {
    const out = sink();
    const progress = createPlainProgress(out);
    for (const event of events) progress.onProgress(event);
    progress.finish();
    expect(out.text()).toBe(
      [
        `blob sha256:${"cd".repeat(6)}… 512 B skipped`,
        `blob sha256:${"ab".repeat(6)}… 12.3 MiB transferred`,
        `manifest sha256:${"ef".repeat(6)}… v1`,
        "",
      ].join("\n"),
    );
  });
});

describe("JSON progress", () => {
  it("every event as a JSON line, blob-progress thinned per blob by the clock", () => {
    const out = sink();
    let time = 0;
    const progress = createJsonProgress(out, { now: () => time, intervalMilliseconds: 250 });
    const at = (bytes: number): ProgressEvent => ({
      type: "blob-progress",
      descriptor: layer,
      bytes,
      total: layer.size,
    });
    progress.onProgress({ type: "blob-start", descriptor: layer });
    progress.onProgress(at(1)); // first: out
    time = 100;
    progress.onProgress(at(2)); // too soon: dropped
    time = 300;
    progress.onProgress(at(3)); // out
    time = 310;
    progress.onProgress(at(layer.size)); // the last one always goes out
    progress.onProgress({ type: "blob-done", descriptor: layer, bytes: layer.size, outcome: "transferred" });
    const lines = out
      .text()
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as ProgressEvent);
    expect(lines.map((line) => [line.type, "bytes" in line ? line.bytes : undefined])).toEqual([
      ["blob-start", undefined],
      ["blob-progress", 1],
      ["blob-progress", 3],
      ["blob-progress", layer.size],
      ["blob-done", layer.size],
    ]);
    expect(lines[0]).toEqual({ type: "blob-start", descriptor: layer });
  });
});

describe("TTY progress", () => {
  it("draws bars and a total, redraws in place, and scrolls finished blobs up", () => {
    const out = sink();
    let time = 0;
    const progress = createTtyProgress(out, { now: () => time, columns: 100 });
    progress.onProgress({ type: "blob-start", descriptor: layer });
    const first = out.text();
    expect(first).toBe(
      `sha256:${"ab".repeat(6)}… [${"-".repeat(30)}]   0% 0 B / 12.3 MiB\n0/1 blobs  0 B / 12.3 MiB\n`,
    );
    time = 50;
    progress.onProgress({
      type: "blob-progress",
      descriptor: layer,
      bytes: layer.size / 2,
      total: layer.size,
    });
    expect(out.text()).toBe(first); // throttled
    time = 200;
    progress.onProgress({
      type: "blob-progress",
      descriptor: layer,
      bytes: layer.size / 2,
      total: layer.size,
    });
    const second = out.text().slice(first.length);
    expect(second.startsWith("\u001b[2A\r\u001b[J")).toBe(true);
    expect(second).toContain(`[${"#".repeat(15)}${"-".repeat(15)}]  50% 6.2 MiB / 12.3 MiB`);
    progress.onProgress({ type: "blob-done", descriptor: layer, bytes: layer.size, outcome: "transferred" });
    const third = out.text().slice(first.length + second.length);
    expect(third).toBe(
      `\u001b[2A\r\u001b[Jsha256:${"ab".repeat(6)}… 12.3 MiB transferred\n1/1 blobs  12.3 MiB / 12.3 MiB\n`,
    );
    progress.finish();
    expect(out.text().endsWith("\u001b[1A\r\u001b[J")).toBe(true);
  });

  it("keeps every line narrower than the terminal", () => {
    const out = sink();
    const progress = createTtyProgress(out, { columns: 40 });
    progress.onProgress({ type: "blob-start", descriptor: layer });
    progress.onProgress({
      type: "manifest-done",
      descriptor: manifest,
      tag: "a-very-long-tag-name-that-goes-on-and-on",
    });
    const visible = out.text().replace(/\u001b\[[0-9]*[A-Za-z]|\r/g, "");
    for (const line of visible.split("\n")) expect(line.length).toBeLessThan(40);
  });

  it("sums up bars beyond the limit", () => {
    const out = sink();
    const progress = createTtyProgress(out, { maxBars: 2 });
    for (const hex of ["01", "02", "03", "04"])
      progress.onProgress({ type: "blob-start", descriptor: blob(hex, 10) });
    expect(out.text()).toContain("… and 2 more\n0/4 blobs  0 B / 40 B\n");
  });
});

describe("progressModeFor", () => {
  it.each([
    [{ json: false, quiet: false }, true, "tty"],
    [{ json: false, quiet: false }, false, "plain"],
    [{ json: false, quiet: true }, true, "none"],
    [{ json: true, quiet: false }, true, "json"],
    [{ json: true, quiet: true }, false, "none"],
  ] as const)("%j on a TTY=%s → %s", (options, isTTY, mode) => {
    expect(progressModeFor(options, isTTY)).toBe(mode);
  });

  it("quiet reports nothing anywhere", () => {
    const stdout = sink();
    const stderr = sink();
    const stdin = (async function* (): AsyncGenerator<Uint8Array> {})();
    const progress = createProgressReporter("none", { stdout, stderr, stdin, env: {}, isTTY: true });
    for (const event of events) progress.onProgress(event);
    progress.finish();
    expect(stdout.text() + stderr.text()).toBe("");
  });
});
