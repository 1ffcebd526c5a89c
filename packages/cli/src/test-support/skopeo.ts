/**
 * skopeo 1.9 as the independent reader of what stevedore wrote (issue 12's acceptance): the sha256 of the
 * exact manifest bytes skopeo reads from a registry or an OCI layout.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Runs skopeo with no credentials or policy of the user's, failing after 30 s rather than hanging. */
export async function skopeo(...args: string[]): Promise<Buffer> {
  const home = await mkdtemp(join(tmpdir(), "stevedore-skopeo-"));
  try {
    const { stdout } = await execFileAsync("skopeo", ["--insecure-policy", ...args], {
      timeout: 30_000,
      maxBuffer: 16 * 1024 * 1024,
      encoding: "buffer",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, TMPDIR: home },
    });
    return stdout;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * `skopeo inspect --raw … | sha256sum` as a digest: `docker://HOST/REPO:TAG` (plain HTTP on loopback) or
 * `oci:DIR:TAG`.
 */
export async function skopeoDigest(location: string): Promise<string> {
  const tls = location.startsWith("docker://") ? ["--tls-verify=false"] : [];
  const raw = await skopeo("inspect", "--raw", ...tls, location);
  return `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}
