import { readFile, stat } from "node:fs/promises";
import { errorCode, UsageError } from "@stevedore/core";

const maxPasswordBytes = 64 * 1024;

/**
 * Reads a password from standard input to the end (`--password-stdin`), removing one trailing newline
 * (`\n` or `\r\n`) as `echo` and heredocs add it. The password never appears in any message.
 *
 * @throws UsageError when stdin is empty or unreasonably large.
 * @example
 * // printf '%s\n' "$TOKEN" | stevedore login ghcr.io -u me --password-stdin
 * const password = await readPassword(process.stdin);
 */
export async function readPassword(stdin: AsyncIterable<Uint8Array | string>): Promise<string> {
  const password = withoutNewline(await readAll(stdin, "--password-stdin"));
  if (password === "") throw new UsageError("--password-stdin read an empty password");
  return password;
}

/**
 * Reads `count` passwords from standard input, one per line (`copy --src-password-stdin
 * --dest-password-stdin`: SRC's first). A `\r` before a newline is dropped; the last line may lack one.
 *
 * @throws UsageError when a line is empty or stdin holds another number of lines.
 * @example
 * // printf '%s\n%s\n' "$SRC" "$DST" | stevedore cp … --src-username a --src-password-stdin --dest-username b --dest-password-stdin
 * const [source, destination] = await readPasswordLines(process.stdin, 2);
 */
export async function readPasswordLines(
  stdin: AsyncIterable<Uint8Array | string>,
  count: number,
): Promise<string[]> {
  if (count === 1) return [await readPassword(stdin)];
  const lines = withoutNewline(await readAll(stdin, "standard input", `${count} passwords`))
    .split("\n")
    .map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  if (lines.length !== count || lines.some((line) => line === "")) {
    throw new UsageError(
      `standard input must hold ${count} passwords, one per line (SRC's first), and holds ${lines.filter((line) => line !== "").length}`,
    );
  }
  return lines;
}

/**
 * Reads a password from a file (`--src-password-file`), removing one trailing newline.
 *
 * @throws UsageError when the file cannot be read, is empty, or is unreasonably large.
 */
export async function readPasswordFile(path: string, flag: string): Promise<string> {
  if (path === "") throw new UsageError(`${flag} is empty`);
  let text: string;
  try {
    if ((await stat(path)).size > maxPasswordBytes) {
      throw new UsageError(`${flag} ${path} is larger than ${maxPasswordBytes} bytes; expected one password`);
    }
    text = await readFile(path, "utf8");
  } catch (error) {
    if (UsageError.isInstance(error)) throw error;
    const code = errorCode(error);
    throw new UsageError(`${flag} ${path} cannot be read: ${typeof code === "string" ? code : "failed"}`);
  }
  const password = withoutNewline(text);
  if (password === "") throw new UsageError(`${flag} ${path} holds an empty password`);
  return password;
}

async function readAll(
  stdin: AsyncIterable<Uint8Array | string>,
  what: string,
  expected = "one password",
): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk);
    length += buffer.length;
    if (length > maxPasswordBytes) {
      throw new UsageError(`${what} read more than ${maxPasswordBytes} bytes; expected ${expected}`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function withoutNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n")) return text.slice(0, -1);
  return text;
}
