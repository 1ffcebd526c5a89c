import type { ManifestOutcome, ProgressEvent } from "@stevedore/core";

type CoreEvent<T extends ProgressEvent["type"]> = Extract<ProgressEvent, { type: T }>;

/**
 * The progress events of a copy: core's {@link ProgressEvent}s, where a copy always says how each manifest
 * reached the destination (`outcome`).
 *
 * Per blob: `blob-start`, any number of `blob-progress` (as the destination reports them), `blob-done`,
 * once per digest however many manifests share it. `manifest-done` once per manifest when it is pushed or
 * found present, and once more for the root with `tag` when the tag is set. `index-filtered` when chosen
 * platforms give the destination a new index. `copy-done` last.
 */
export type TransferProgressEvent =
  | Exclude<ProgressEvent, { type: "manifest-done" }>
  | (CoreEvent<"manifest-done"> & { outcome: ManifestOutcome });
