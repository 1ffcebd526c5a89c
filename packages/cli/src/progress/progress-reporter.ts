import type { ProgressEvent } from "@stevedore/core";

/** Receives a transfer's progress events and renders them somewhere. */
export interface ProgressReporter {
  /** Passed to the client as `onProgress`. */
  onProgress(event: ProgressEvent): void;
  /** Clears what is still drawn (TTY bars). Called once the transfer ended, however it ended. */
  finish(): void;
}
