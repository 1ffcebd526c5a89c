import type { AuthRequest } from "@stevedore/core";
import { StevedoreError } from "@stevedore/core";
import { afterEach, describe, expect, it } from "vitest";
import { createAuth } from "./create-auth.js";
import { dockerConfigCredentials } from "./credentials/docker-config-credentials.js";
import { podmanCredentials } from "./credentials/podman-credentials.js";
import { staticCredentials } from "./credentials/static-credentials.js";
import { createCredentialFixture } from "./test-support/credential-fixture.js";
import { bearerChallenge, createMockTokenService } from "./test-support/mock-token-service.js";

// Not shaped like a host name, so no message has a reason to print it as one.
const sentinel = "Zq9!s3ntinel#secret";
const encodedSentinels = [
  sentinel,
  Buffer.from(`alice:${sentinel}`).toString("base64"),
  Buffer.from(sentinel).toString("base64"),
  encodeURIComponent(sentinel),
];
const challenge = bearerChallenge({
  realm: "https://auth.example.com/token",
  service: "registry.example.com",
});
const target = (host = "registry.example.com"): AuthRequest => ({
  method: "GET",
  url: new URL(`https://${host}/v2/app/manifests/latest`),
  scopes: [{ type: "repository", name: "app", actions: ["pull"] }],
});

const debugLines: string[] = [];
let mock = createMockTokenService();
afterEach(async () => {
  await mock.agent.close();
  mock = createMockTokenService();
});

function expectNoSecret(error: unknown): void {
  expect(StevedoreError.isInstance(error)).toBe(true);
  const error_ = error as StevedoreError;
  const views = [error_.message, String(error_), error_.stack ?? "", JSON.stringify(error_), ...debugLines];
  for (const view of views) for (const secret of encodedSentinels) expect(view).not.toContain(secret);
}

async function failingChallenge(options: Parameters<typeof createAuth>[0], host?: string): Promise<unknown> {
  const auth = createAuth({ dispatcher: mock.agent, onDebug: (line) => debugLines.push(line), ...options });
  return auth.challenge(target(host), [challenge]).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("no failure path reveals a secret", () => {
  it("bad password at the token service (GET and OAuth2 POST)", async () => {
    mock.reply({ status: 401, body: `invalid password ${sentinel}` });
    expectNoSecret(
      await failingChallenge({ credentials: staticCredentials({ username: "alice", password: sentinel }) }),
    );
    mock.reply({ status: 403, body: { error: sentinel } }, { method: "POST" });
    expectNoSecret(await failingChallenge({ credentials: staticCredentials({ identityToken: sentinel }) }));
    mock.reply({ status: 404 }, { method: "POST" });
    mock.reply({ status: 401, body: sentinel });
    expectNoSecret(
      await failingChallenge({
        credentials: staticCredentials({ username: "alice", password: "x", identityToken: sentinel }),
      }),
    );
  });

  it.each([
    ["HTML", `<html>${sentinel}</html>`, "text/html"],
    ["JSON that is not an object", `["${sentinel}"]`, "application/json"],
    ["a token with a space", JSON.stringify({ token: `${sentinel} x` }), "application/json"],
    ["a token of the wrong type", JSON.stringify({ token: [sentinel] }), "application/json"],
    ["a bad expires_in", JSON.stringify({ token: sentinel, expires_in: sentinel }), "application/json"],
    ["a broken JSON document", `{"token":"${sentinel}`, "application/json"],
    ["a content type holding the secret", "garbage", `text/${sentinel}`],
  ])("bad token response: %s", async (_name, body, contentType) => {
    mock.reply({ status: 200, body, headers: { "content-type": contentType } });
    expectNoSecret(
      await failingChallenge({ credentials: staticCredentials({ username: "alice", password: sentinel }) }),
    );
  });

  it("a registry token that cannot go in a header", async () => {
    const auth = createAuth({
      dispatcher: mock.agent,
      onDebug: (line) => debugLines.push(line),
      credentials: staticCredentials({ registryToken: `${sentinel}\n` }),
    });
    expectNoSecret(await auth.challenge(target(), [challenge]).catch((error: unknown) => error));
  });

  it("credential helper failures", async () => {
    const fixture = await createCredentialFixture(sentinel);
    try {
      await fixture.writeConfig({ credsStore: "test" });
      const provider = dockerConfigCredentials({ env: fixture.env, helperTimeout: 100 });
      for (const registry of ["fail.example.com", "junk.example.com", "hang.example.com"]) {
        expectNoSecret(await provider.get(registry).catch((error: unknown) => error));
        expectNoSecret(await failingChallenge({ credentials: provider }, registry));
      }
    } finally {
      await fixture.cleanup();
    }
  });

  it.each([
    ["broken JSON", `{"auths": {"ghcr.io": {"auth": "${sentinel}"`],
    ["auth not base64", JSON.stringify({ auths: { "ghcr.io": { auth: sentinel } } })],
    ["auth field of the wrong type", JSON.stringify({ auths: { "ghcr.io": { auth: [sentinel] } } })],
    [
      "auth without a colon",
      JSON.stringify({ auths: { "ghcr.io": { auth: Buffer.from(sentinel).toString("base64") } } }),
    ],
    ["a secret used as a key", JSON.stringify({ auths: { [sentinel]: 5 } })],
    ["a secret as credsStore", JSON.stringify({ credsStore: sentinel })],
    ["a secret as a credHelpers key", JSON.stringify({ credHelpers: { [sentinel]: 7 } })],
  ])("malformed config file: %s", async (_name, text) => {
    const fixture = await createCredentialFixture(sentinel);
    try {
      await fixture.writeConfig(text);
      expectNoSecret(
        await dockerConfigCredentials({ env: fixture.env })
          .get("ghcr.io")
          .catch((error: unknown) => error),
      );
      const podman = podmanCredentials({ env: { REGISTRY_AUTH_FILE: `${fixture.configDir}/config.json` } });
      expectNoSecret(await podman.get("ghcr.io").catch((error: unknown) => error));
      const inline = { ...fixture.env, DOCKER_CONFIG: fixture.root, DOCKER_AUTH_CONFIG: text };
      expectNoSecret(
        await dockerConfigCredentials({ env: inline })
          .get("ghcr.io")
          .catch((error: unknown) => error),
      );
    } finally {
      await fixture.cleanup();
    }
  });

  it("debug lines of a successful exchange hold no credential or token", async () => {
    mock.reply({ status: 200, body: { token: sentinel, refresh_token: sentinel } });
    const auth = createAuth({
      dispatcher: mock.agent,
      onDebug: (line) => debugLines.push(line),
      credentials: staticCredentials({ username: "alice", password: sentinel }),
    });
    expect(await auth.challenge(target(), [challenge])).toBe(true);
    expect(await auth.authorize(target())).toBe(`Bearer ${sentinel}`);
    expect(debugLines.length).toBeGreaterThan(0);
    for (const line of debugLines) for (const secret of encodedSentinels) expect(line).not.toContain(secret);
  });
});
