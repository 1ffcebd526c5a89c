import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** What {@link createCredentialFixture} makes. */
export interface CredentialFixture {
  root: string;
  configDir: string;
  log: string;
  env: Record<string, string>;
  writeConfig: (config: unknown) => Promise<string>;
  cleanup: () => Promise<void>;
}

/**
 * A fake `docker-credential-test` helper (a POSIX sh script) in a temp `bin` directory, and a temp
 * `DOCKER_CONFIG` directory. The helper's answers depend on the server URL it reads from stdin:
 *
 * - `helper.example.com`: `{"Username":"helper-user","Secret":"helper-pass"}`
 * - `https://index.docker.io/v1/`: Username `<token>` (an identity token)
 * - `hang.example.com`: never answers
 * - `fail.example.com`: exit 1 with `$SENTINEL` on stdout and stderr
 * - `junk.example.com`: exit 0 with non-JSON output holding `$SENTINEL`
 * - anything else: "credentials not found in native keychain", exit 1
 *
 * `store` and `erase` append what they read to `$HELPER_LOG`.
 */
export async function createCredentialFixture(sentinel = "unused-sentinel"): Promise<CredentialFixture> {
  const root = await mkdtemp(join(tmpdir(), "stevedore-auth-"));
  const bin = join(root, "bin");
  const configDir = join(root, "docker");
  const log = join(root, "helper.log");
  await mkdir(bin);
  await mkdir(configDir);
  const script = `#!/bin/sh
input=$(cat)
case "$1" in
get)
  case "$input" in
    helper.example.com) printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-pass"}' "$input" ;;
    https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"hub-identity"}' "$input" ;;
    hang.example.com) exec sleep 60 ;;
    fail.example.com) echo "error: $SENTINEL"; echo "stderr: $SENTINEL" >&2; exit 1 ;;
    junk.example.com) echo "not json $SENTINEL" ;;
    *) echo "credentials not found in native keychain"; exit 1 ;;
  esac ;;
store|erase)
  printf '%s %s\\n' "$1" "$input" >> "$HELPER_LOG" ;;
*) exit 1 ;;
esac
`;
  const helper = join(bin, "docker-credential-test");
  await writeFile(helper, script);
  await chmod(helper, 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin`, DOCKER_CONFIG: configDir, HELPER_LOG: log, SENTINEL: sentinel };
  return {
    root,
    configDir,
    log,
    env,
    async writeConfig(config) {
      const path = join(configDir, "config.json");
      await writeFile(path, typeof config === "string" ? config : JSON.stringify(config));
      return path;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A fresh {@link createCredentialFixture} for each test of the file, cleaned up after it. */
export function credentialFixturePerTest(): CredentialFixture {
  let current: CredentialFixture | undefined;
  beforeEach(async () => {
    current = await createCredentialFixture();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  const now = (): CredentialFixture => {
    if (current === undefined) throw new Error("the credential fixture exists only while a test runs");
    return current;
  };
  return {
    get root() {
      return now().root;
    },
    get configDir() {
      return now().configDir;
    },
    get log() {
      return now().log;
    },
    get env() {
      return now().env;
    },
    writeConfig: (config) => now().writeConfig(config),
    cleanup: () => now().cleanup(),
  };
}
