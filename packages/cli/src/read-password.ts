import { UsageError } from "@stevedore/core";

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
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk);
    length += buffer.length;
    if (length > maxPasswordBytes) {
      throw new UsageError(
        `--password-stdin read more than ${maxPasswordBytes} bytes; expected one password`,
      );
    }
    chunks.push(buffer);
  }
  let password = Buffer.concat(chunks).toString("utf8");
  if (password.endsWith("\r\n")) password = password.slice(0, -2);
  else if (password.endsWith("\n")) password = password.slice(0, -1);
  if (password === "") throw new UsageError("--password-stdin read an empty password");
  return password;
}
