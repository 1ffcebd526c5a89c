import { readFile } from "node:fs/promises";
import { CredentialError, errorCode } from "@stevedore/core";
import type { AuthFile } from "./parse-auth-file.js";
import { parseAuthFile } from "./parse-auth-file.js";

/**
 * Reads and parses a credentials file. A missing file is `undefined` (an empty config, `spec/PROTOCOL.md` §14.1).
 *
 * @throws CredentialError naming the file when it cannot be read or is malformed.
 */
export async function readAuthFile(path: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new CredentialError(`cannot read credentials file ${path} (${code ?? "unknown error"})`, {
      cause: error,
    });
  }
  return parseAuthFile(text, path);
}
