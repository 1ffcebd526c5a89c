import type { Credentials } from "@stevedore/core";
import { AbortError, CredentialError } from "@stevedore/core";

/** Environment variables, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Options of the credential-helper functions. */
export interface CredentialHelperOptions {
  /** The environment of the helper process; its `PATH` is where `docker-credential-<name>` is looked up. */
  env: Environment;
  /** Milliseconds before the helper is killed and a `CredentialError` raised. Default 30 000. */
  timeout?: number;
  signal?: AbortSignal;
}

/** What a helper process answered. */
interface HelperResult {
  exitCode: number | null;
  stdout: string;
}

/** The answer of `get` that means "nothing stored", not a failure (`spec/PROTOCOL.md` §14.3). */
const notFound = "credentials not found in native keychain";
const maximumOutputBytes = 1024 * 1024;

/**
 * Runs `docker-credential-<helper> get` with `serverUrl` on stdin (`spec/PROTOCOL.md` §14.3). Username
 * `<token>` means the secret is an identity token.
 *
 * @returns the credentials, or `undefined` when the helper has none for this server.
 * @throws CredentialError when the helper is missing, fails, hangs past the timeout or prints something that is
 *   not credentials. The message never holds the helper's output.
 */
export async function credentialHelperGet(
  helper: string,
  serverUrl: string,
  options: CredentialHelperOptions,
): Promise<Credentials | undefined> {
  const result = await runHelper(helper, "get", serverUrl, options);
  if (result.exitCode !== 0) {
    if (result.stdout.trim() === notFound) return undefined;
    throw failed(helper, "get", serverUrl, result);
  }
  let answer: unknown;
  try {
    answer = JSON.parse(result.stdout);
  } catch {
    throw new CredentialError(
      `credential helper docker-credential-${helper} printed something that is not JSON`,
    );
  }
  const fields = (answer ?? {}) as { Username?: unknown; Secret?: unknown };
  if (
    typeof answer !== "object" ||
    typeof fields.Secret !== "string" ||
    typeof fields.Username !== "string"
  ) {
    throw new CredentialError(
      `credential helper docker-credential-${helper} printed JSON without string Username and Secret fields`,
    );
  }
  if (fields.Secret === "") return undefined;
  if (fields.Username === "<token>") return { identityToken: fields.Secret };
  return { username: fields.Username, password: fields.Secret };
}

/** Runs `docker-credential-<helper> store` with `{ServerURL, Username, Secret}` on stdin. */
export async function credentialHelperStore(
  helper: string,
  entry: { serverUrl: string; username: string; secret: string },
  options: CredentialHelperOptions,
): Promise<void> {
  const input = JSON.stringify({
    ServerURL: entry.serverUrl,
    Username: entry.username,
    Secret: entry.secret,
  });
  const result = await runHelper(helper, "store", input, options);
  if (result.exitCode !== 0) throw failed(helper, "store", entry.serverUrl, result);
}

/** Runs `docker-credential-<helper> erase` with `serverUrl` on stdin. Nothing stored is not an error. */
export async function credentialHelperErase(
  helper: string,
  serverUrl: string,
  options: CredentialHelperOptions,
): Promise<void> {
  const result = await runHelper(helper, "erase", serverUrl, options);
  if (result.exitCode !== 0 && result.stdout.trim() !== notFound)
    throw failed(helper, "erase", serverUrl, result);
}

function failed(helper: string, action: string, serverUrl: string, result: HelperResult): CredentialError {
  // The helper's stdout is its error message, which may echo what it was given: never show it.
  return new CredentialError(
    `credential helper docker-credential-${helper} ${action} failed for ${serverUrl} (exit code ${result.exitCode ?? "none"})`,
  );
}

function runHelper(
  helper: string,
  action: string,
  input: string,
  options: CredentialHelperOptions,
): Promise<HelperResult> {
  const program = `docker-credential-${helper}`;
  const timeout = options.timeout ?? 30_000;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) if (value !== undefined) env[name] = value;
  return new Promise<HelperResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new AbortError());
      return;
    }
    // node:child_process loads here, not with the package: only a configured helper needs it, and every
    // command paid for loading it (docs/decisions/0012-fixed-cost.md).
    const { spawn } = process.getBuiltinModule("node:child_process");
    // stderr is dropped: helpers print errors and prompts there, and they must not reach our logs.
    const child = spawn(program, [action], { env, stdio: ["pipe", "pipe", "ignore"], windowsHide: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error: Error | undefined, result?: HelperResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (error !== undefined) {
        // Do not wait for the pipes to close: a killed shell script may leave a child holding them open.
        child.kill("SIGKILL");
        child.stdout?.destroy();
        child.stdin?.destroy();
        reject(error);
      } else resolve(result as HelperResult);
    };
    const onAbort = (): void => finish(new AbortError());
    const timer = setTimeout(
      () =>
        finish(new CredentialError(`credential helper ${program} ${action} timed out after ${timeout} ms`)),
      timeout,
    );
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error: NodeJS.ErrnoException) => {
      const message =
        error.code === "ENOENT"
          ? `credential helper ${program} was not found on PATH`
          : `credential helper ${program} could not be started (${error.code ?? "unknown error"})`;
      finish(new CredentialError(message, { cause: error }));
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maximumOutputBytes) {
        finish(
          new CredentialError(`credential helper ${program} printed more than ${maximumOutputBytes} bytes`),
        );
      } else chunks.push(chunk);
    });
    child.on("close", (exitCode) => {
      finish(undefined, { exitCode, stdout: Buffer.concat(chunks).toString("utf8") });
    });
    // A helper that exits without reading its input makes the write fail with EPIPE; its exit code tells.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input);
  });
}
