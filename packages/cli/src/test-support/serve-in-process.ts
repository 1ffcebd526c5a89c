/**
 * Runs `stevedore serve …` through `main()` in this process and waits for its `serving http://…` line, so
 * a test can talk to it and then stop it the way SIGINT would (by aborting the signal `main` was given).
 */
import { type CliRun, type RunCliOptions, runCli } from "./fake-io.js";

/** A `stevedore serve` running inside the test process. */
export interface ServingCli {
  /** `http://127.0.0.1:PORT` from the banner. */
  url: string;
  /** `127.0.0.1:PORT`, for references. */
  host: string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Aborts the signal and resolves with the finished run. */
  stop(): Promise<CliRun>;
}

/** Starts `stevedore serve ...argv`; rejects with the run's stderr when it exits before listening. */
export async function serveInProcess(
  argv: readonly string[],
  options: Omit<RunCliOptions, "signal"> = {},
): Promise<ServingCli> {
  const controller = new AbortController();
  let stderr = "";
  let announce: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => {
    announce = resolve;
  });
  const run = runCli(["serve", ...argv], {
    ...options,
    signal: controller.signal,
    onStderr: (text) => {
      stderr += text;
      options.onStderr?.(text);
      const match = /^serving (http:\/\/\S+) \(/m.exec(stderr);
      if (match?.[1] !== undefined) announce(match[1]);
    },
  });
  const first = await Promise.race([listening, run]);
  if (typeof first !== "string") {
    throw new Error(`stevedore serve exited with ${first.code} before listening: ${first.stderr}`);
  }
  return {
    url: first,
    host: first.replace(/^http:\/\//, ""),
    stderr: () => stderr,
    stop: async () => {
      controller.abort();
      return run;
    },
  };
}
