/**
 * What `main` talks to instead of `process`: tests pass fakes, `start.ts` passes the real streams.
 */
import type { ClientOptions } from "@stevedore/client";

/** A writable stream as far as the CLI needs one (a Node `Writable`, or a test fake). */
export interface OutputStream {
  /** Returns `false` when the caller should wait for `drain` before writing more. */
  write(chunk: string | Uint8Array): boolean;
  /** Listens once, as Node streams do: the CLI waits for `drain` (or `error`, `close`) this way. */
  once?(event: "drain" | "error" | "close", listener: (...args: unknown[]) => void): unknown;
  /** Stops listening (the listeners `once` added, when another event came first). */
  removeListener?(event: "drain" | "error" | "close", listener: (...args: unknown[]) => void): unknown;
}

/** The process environment of one `main` call. */
export interface CliIo {
  /** Results: tag lists, digests, manifest bytes, `--json` lines. */
  stdout: OutputStream;
  /** Progress, warnings, debug traces and the one-line error message. */
  stderr: OutputStream;
  /** Read to the end only for `--password-stdin`. */
  stdin: AsyncIterable<Uint8Array | string>;
  /** Environment variables (DOCKER_CONFIG, proxies, HOME …), passed to the client. */
  env: Record<string, string | undefined>;
  /** True when stderr is a terminal: progress bars instead of plain lines. */
  isTTY: boolean;
  /** Aborted on SIGINT or SIGTERM: transfers stop, clean up, and `main` returns 130 (`serve` returns 0). */
  signal?: AbortSignal;
  /** Terminal width for progress bars. Default 80. */
  columns?: number;
  /** The clock for progress throttling. Default `Date.now`. */
  now?: () => number;
  /**
   * Client options under the ones the flags set, for tests and programs embedding `main` (e.g.
   * `{ transport: { clock: { sleep } } }` to skip retry delays). The flags win where both say something.
   */
  clientOptions?: Partial<ClientOptions>;
  /**
   * Called once the modules a command needs beyond the CLI itself (the client, the server) have loaded,
   * before its first request. `start.ts` tunes V8 there: a V8 flag set at run time makes Node compile every
   * built-in module loaded afterwards without its code cache. `command` is the command's canonical name.
   */
  afterLoad?: (command: string) => void;
  /**
   * The process ends once `main` returns (`start.ts`). After a command that succeeded, `main` then leaves the
   * clients' connections to the process's end instead of closing them one by one: idle connections keep
   * nothing alive. A failed command still closes them. Programs that embed `main` leave it unset.
   */
  endsProcess?: boolean;
}

/**
 * Writes a chunk and waits for `drain` when the stream asks for it, so streaming a large blob to a slow pipe
 * does not buffer the whole blob in memory.
 */
export async function writeOutput(stream: OutputStream, chunk: string | Uint8Array): Promise<void> {
  if (stream.write(chunk) || stream.once === undefined) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeListener?.("drain", onDrain);
      stream.removeListener?.("error", onError);
      stream.removeListener?.("close", onDrain);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    stream.once?.("drain", onDrain);
    stream.once?.("error", onError);
    stream.once?.("close", onDrain);
  });
}
