import { randomUUID } from "node:crypto";
import { chmod, mkdir, realpath, rename, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CredentialError, errorCode } from "@stevedore/core";

/**
 * Writes `text` to `path` the way Docker writes `config.json` (`spec/PROTOCOL.md` §14.1): into a temp file in
 * the same directory with mode 0600, then a rename, so a reader never sees half a file. A symlink is followed
 * and its target replaced, so dotfile managers keep their link. The directory is created (0700) when missing.
 *
 * @throws CredentialError naming the file when it cannot be written.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  let target = path;
  try {
    target = await realpath(path);
  } catch {
    // Missing (or a dangling link): write at the given path.
  }
  const directory = dirname(target);
  const temporary = join(directory, `.${basename(target)}.${randomUUID()}.tmp`);
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    await writeFile(temporary, text, { mode: 0o600, flag: "wx" });
    await chmod(temporary, 0o600);
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    const code = errorCode(error);
    throw new CredentialError(`cannot write credentials file ${path} (${code ?? "unknown error"})`, {
      cause: error,
    });
  }
}
