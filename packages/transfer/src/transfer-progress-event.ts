import type { Descriptor, Platform, ProgressEvent } from "@stevedore/core";

/** Why a blob was not sent: the destination had it, or it is a non-distributable layer (`spec/PROTOCOL.md` §12.1). */
export type SkipReason = "exists" | "nondistributable";

/** How a manifest reached the destination: pushed byte-exact, or already there. */
export type ManifestOutcome = "transferred" | "skipped";

type CoreEvent<T extends ProgressEvent["type"]> = Extract<ProgressEvent, { type: T }>;

/**
 * The progress events of a copy: core's {@link ProgressEvent}s with a few extra fields, plus
 * `index-filtered`. Every object is also a valid core event except `index-filtered`, so a handler written
 * for core's union works when it ignores types it does not know.
 *
 * Per blob: `blob-start`, any number of `blob-progress` (as the destination reports them), `blob-done`,
 * once per digest however many manifests share it. `manifest-done` once per manifest when it is pushed or
 * found present, and once more for the root with `tag` when the tag is set. `copy-done` last.
 */
export type TransferProgressEvent =
  | CoreEvent<"blob-start">
  | CoreEvent<"blob-progress">
  | (CoreEvent<"blob-done"> & {
      /** Set when `outcome` is `"skipped"`. */
      reason?: SkipReason;
    })
  | (CoreEvent<"manifest-done"> & { outcome: ManifestOutcome })
  | CoreEvent<"copy-done">
  | {
      /**
       * Some platforms of an index were chosen, so the destination gets a new index holding only their
       * entries (and their attestations): new bytes, a new digest, not the source's index.
       */
      type: "index-filtered";
      /** The source's index. */
      source: Descriptor;
      /** The new index, as pushed. */
      descriptor: Descriptor;
      /** The platforms kept. */
      platforms: Platform[];
    };
