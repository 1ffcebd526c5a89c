/**
 * An in-memory {@link CliIo} for tests of `main`: captures stdout (bytes) and stderr (text), feeds stdin
 * from a string, and runs with an empty environment unless one is given.
 */
import type { CliIo } from "../cli-io.js";
import { main } from "../main.js";

/** What a test wants to know after `main` returned. */
export interface CliRun {
  code: number;
  /** stdout as bytes (manifest and blob output are compared byte for byte). */
  stdoutBytes: Buffer;
  stdout: string;
  stderr: string;
  /** stderr split into lines, without the empty string after the last newline. */
  stderrLines: string[];
  /** stdout parsed as JSON lines. */
  json(): Record<string, unknown>[];
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  isTTY?: boolean;
  signal?: AbortSignal;
  columns?: number;
  now?: () => number;
  /** Called with each stderr write, e.g. to abort once a transfer is under way. */
  onStderr?: (text: string) => void;
  onStdout?: (chunk: Buffer) => void;
  /** Default: retries without waiting, so network failures fail fast. */
  clientOptions?: CliIo["clientOptions"];
  afterLoad?: (command: string) => void;
  endsProcess?: boolean;
}

/** Runs `main(argv)` with fake streams. */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<CliRun> {
  const stdout: Buffer[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    stdout: {
      write(chunk) {
        const buffer = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk);
        stdout.push(buffer);
        options.onStdout?.(buffer);
        return true;
      },
    },
    stderr: {
      write(chunk) {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        stderr.push(text);
        options.onStderr?.(text);
        return true;
      },
    },
    stdin: (async function* () {
      if (options.stdin !== undefined) yield Buffer.from(options.stdin);
    })(),
    env: options.env ?? {},
    clientOptions: options.clientOptions ?? { transport: { clock: { sleep: async () => {} } } },
    isTTY: options.isTTY ?? false,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.columns === undefined ? {} : { columns: options.columns }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.afterLoad === undefined ? {} : { afterLoad: options.afterLoad }),
    ...(options.endsProcess === undefined ? {} : { endsProcess: options.endsProcess }),
  };
  const code = await main(argv, io);
  const stdoutBytes = Buffer.concat(stdout);
  const stderrText = stderr.join("");
  return {
    code,
    stdoutBytes,
    stdout: stdoutBytes.toString("utf8"),
    stderr: stderrText,
    stderrLines: stderrText === "" ? [] : stderrText.replace(/\n$/, "").split("\n"),
    json: () =>
      stdoutBytes
        .toString("utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
