/**
 * How `createClient` wires its pieces, seen from the wire: credentials from static options and Docker's
 * config reach the registry, `credentials: false` stays anonymous, login checks before it stores, delete
 * goes by digest and untag by tag, plain HTTP for every host, options refused up front. Registries are scripted
 * `node:http` servers on 127.0.0.1.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AuthenticationError, digestOf, NotFoundError, StevedoreError, UsageError } from "@stevedore/core";
import {
  closeAfter,
  type ScriptedReply,
  type ScriptedRequest,
  startScriptedServer,
  useTemporaryDirectory,
} from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClient } from "./create-client.js";
import { createClientTransport } from "./create-client-transport.js";
import { resolveClientOptions } from "./resolve-client-options.js";

const basic = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

/** A registry behind Basic auth that accepts one user. */
function basicRegistry(username: string, password: string): (request: ScriptedRequest) => ScriptedReply {
  return (request) =>
    request.headers.authorization === basic(username, password)
      ? { status: 200, headers: { "docker-distribution-api-version": "registry/2.0" } }
      : { status: 401, headers: { "www-authenticate": 'Basic realm="test"' } };
}

const directory = useTemporaryDirectory("stevedore-client-wiring-", beforeEach, afterEach);
const track = closeAfter(afterEach);

describe("credentials", () => {
  it("answers a Basic challenge with static credentials", async () => {
    const server = track(await startScriptedServer(basicRegistry("me", "secret")));
    const client = createClient({
      credentials: false,
      env: {},
      staticCredentials: { [server.host]: { username: "me", password: "secret" } },
    });
    try {
      await client.ping(server.host);
    } finally {
      await client.close();
    }
    expect(server.requests.map((request) => request.headers.authorization)).toEqual([
      undefined,
      basic("me", "secret"),
    ]);
  });

  it("reads Docker's config from env.DOCKER_CONFIG by default", async () => {
    const server = track(await startScriptedServer(basicRegistry("docker-user", "from-config")));
    const auth = Buffer.from("docker-user:from-config").toString("base64");
    await writeFile(
      join(directory.path, "config.json"),
      JSON.stringify({ auths: { [server.host]: { auth } } }),
    );
    const client = createClient({ env: { DOCKER_CONFIG: directory.path, HOME: directory.path } });
    try {
      await client.ping(server.host);
    } finally {
      await client.close();
    }
    expect(server.requests.at(-1)?.headers.authorization).toBe(basic("docker-user", "from-config"));
  });

  it("stays anonymous with credentials: false", async () => {
    const server = track(await startScriptedServer(basicRegistry("docker-user", "from-config")));
    const auth = Buffer.from("docker-user:from-config").toString("base64");
    await writeFile(
      join(directory.path, "config.json"),
      JSON.stringify({ auths: { [server.host]: { auth } } }),
    );
    const client = createClient({ credentials: false, env: { DOCKER_CONFIG: directory.path } });
    try {
      await expect(client.ping(server.host)).rejects.toThrow(AuthenticationError);
    } finally {
      await client.close();
    }
    expect(server.requests.every((request) => request.headers.authorization === undefined)).toBe(true);
  });
});

describe("login and logout", () => {
  it("stores credentials only after the registry accepted them, and logout removes them", async () => {
    const server = track(await startScriptedServer(basicRegistry("me", "right")));
    const env = { DOCKER_CONFIG: directory.path, HOME: directory.path };
    const client = createClient({ credentials: false, env });
    const configFile = join(directory.path, "config.json");
    try {
      await expect(client.login(server.host, "me", "wrong")).rejects.toThrow(AuthenticationError);
      await expect(readFile(configFile, "utf8")).rejects.toThrow(/ENOENT/);

      const stored = await client.login(server.host, "me", "right");
      expect(stored).toEqual({ file: configFile });
      const config = JSON.parse(await readFile(configFile, "utf8"));
      expect(config.auths[server.host].auth).toBe(Buffer.from("me:right").toString("base64"));

      expect(await client.logout(server.host)).toEqual({ file: configFile, changed: true });
      expect(JSON.parse(await readFile(configFile, "utf8")).auths).toEqual({});
      expect(await client.logout(server.host)).toEqual({ file: configFile, changed: false });
    } finally {
      await client.close();
    }
  });

  it("refuses empty usernames, passwords and bad registries before sending anything", async () => {
    const server = track(await startScriptedServer(basicRegistry("me", "right")));
    const client = createClient({ credentials: false, env: { DOCKER_CONFIG: directory.path } });
    try {
      await expect(client.login(server.host, "", "x")).rejects.toThrow(UsageError);
      await expect(client.login(server.host, "me", "")).rejects.toThrow(UsageError);
      await expect(client.login("not a host", "me", "x")).rejects.toThrow(UsageError);
      await expect(client.logout("bad/registry")).rejects.toThrow(UsageError);
    } finally {
      await client.close();
    }
    expect(server.requests).toEqual([]);
  });

  it("never puts the password in an error or a debug line", async () => {
    const server = track(await startScriptedServer(basicRegistry("me", "right")));
    const lines: string[] = [];
    const client = createClient({
      credentials: false,
      env: { DOCKER_CONFIG: directory.path },
      onDebug: (line) => lines.push(line),
    });
    const secret = "sentinel-Pa55word-0123";
    try {
      const error = await client.login(server.host, "me", secret).catch((caught: unknown) => caught);
      expect(AuthenticationError.isInstance(error)).toBe(true);
      const seen = [String(error), JSON.stringify(error), (error as Error).stack ?? "", ...lines].join("\n");
      expect(seen).not.toContain(secret);
      expect(seen).not.toContain(Buffer.from(`me:${secret}`).toString("base64"));
    } finally {
      await client.close();
    }
  });
});

describe("delete", () => {
  const digest = `sha256:${"b".repeat(64)}`;

  it("deletes by digest what a tag names, on every registry, and reports every tag that pointed at it", async () => {
    const other = `sha256:${"c".repeat(64)}`;
    const server = track(
      await startScriptedServer((request) => {
        if (request.path === "/v2/team/app/tags/list") {
          return { status: 200, body: { name: "team/app", tags: ["v2", "other", "v1"] } };
        }
        if (request.method === "HEAD") {
          return {
            status: 200,
            headers: {
              "docker-content-digest": request.path.endsWith("/other") ? other : digest,
              "content-type": "application/vnd.oci.image.manifest.v1+json",
              "content-length": "321",
            },
          };
        }
        if (request.method === "DELETE" && request.path.endsWith(digest)) return { status: 202 };
        return { status: 404 };
      }),
    );
    const client = createClient({ credentials: false, env: {} });
    try {
      expect(await client.delete(`${server.host}/team/app:v1`)).toEqual({ digest, tags: ["v1", "v2"] });
    } finally {
      await client.close();
    }
    const seen = server.requests.map((request) => `${request.method} ${request.path}`);
    expect(seen.filter((line) => line.startsWith("DELETE"))).toEqual([
      `DELETE /v2/team/app/manifests/${digest}`,
    ]);
    expect(seen).toContain("GET /v2/team/app/tags/list");
  });

  it("untag deletes the tag alone, and says what a registry that cannot answered", async () => {
    const server = track(
      await startScriptedServer((request) =>
        request.method === "DELETE" && request.path.endsWith("/manifests/v1")
          ? { status: 202 }
          : { status: 405, body: { errors: [{ code: "UNSUPPORTED", message: "unsupported" }] } },
      ),
    );
    const client = createClient({ credentials: false, env: {} });
    try {
      await client.untag(`${server.host}/team/app:v1`);
      const refused = client.untag(`${server.host}/team/app:v2`);
      await expect(refused).rejects.toThrow(StevedoreError);
      await expect(refused).rejects.toThrow(
        /^the registry does not remove a tag alone: DELETE http:\/\/\S+\/manifests\/v2 answered 405 \(UNSUPPORTED: unsupported\)/,
      );
      await expect(client.untag(`${server.host}/team/app@${digest}`)).rejects.toThrow(UsageError);
      await expect(client.delete(`${server.host}/team/app`)).rejects.toThrow(/needs a tag or digest/);
      // untag takes no digest, so without a tag it asks for REPOSITORY:TAG, not "a tag or digest".
      await expect(client.untag(`${server.host}/team/app`)).rejects.toThrow(/^untag needs REPOSITORY:TAG: /);
    } finally {
      await client.close();
    }
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      "DELETE /v2/team/app/manifests/v1",
      "DELETE /v2/team/app/manifests/v2",
    ]);
  });

  it("reports a missing tag as NotFoundError", async () => {
    const server = track(
      await startScriptedServer(() => ({
        status: 404,
        body: { errors: [{ code: "MANIFEST_UNKNOWN" }] },
      })),
    );
    const client = createClient({ credentials: false, env: {} });
    try {
      await expect(client.delete(`${server.host}/team/app:v1`)).rejects.toThrow(NotFoundError);
    } finally {
      await client.close();
    }
  });
});

describe("options", () => {
  it("speaks plain HTTP to every host with plainHttp: true, and HTTPS otherwise", () => {
    const plain = createClientTransport({ ...resolveClientOptions({ env: {}, plainHttp: true }) });
    const default_ = createClientTransport({ ...resolveClientOptions({ env: {} }) });
    const listed = createClientTransport({
      ...resolveClientOptions({ env: {}, plainHttp: ["registry.test"] }),
    });
    expect(plain.transport.baseUrl("registry.example:5000").href).toBe("http://registry.example:5000/");
    expect(default_.transport.baseUrl("registry.example:5000").href).toBe("https://registry.example:5000/");
    expect(listed.transport.baseUrl("registry.test").href).toBe("http://registry.test/");
    expect(default_.transport.baseUrl("127.0.0.1:5000").href).toBe("http://127.0.0.1:5000/");
    void Promise.all([plain.close(), default_.close(), listed.close()]);
  });

  it("takes proxies from env unless told not to", () => {
    const env = { HTTPS_PROXY: "http://proxy.test:3128", NO_PROXY: "localhost" };
    expect(resolveClientOptions({ env }).transport).toMatchObject({ proxy: "environment", env });
    expect(resolveClientOptions({ env, environmentProxies: false }).transport.proxy).toBeUndefined();
    expect(resolveClientOptions({ env: {} }).transport.proxy).toBeUndefined();
  });

  it("reads CA files and marks insecure hosts", async () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    await writeFile(join(directory.path, "ca.pem"), pem);
    const resolved = resolveClientOptions({
      env: {},
      caFiles: [join(directory.path, "ca.pem")],
      insecure: ["registry.test"],
    });
    expect(resolved.transport.tls).toEqual({ ca: [pem] });
    expect(resolved.transport.hosts).toEqual({ "registry.test": { insecure: true } });
    expect(resolveClientOptions({ env: {}, insecure: true }).transport.tls).toEqual({ insecure: true });
  });

  it("keeps a caller's grouped transport.plainHttp: its hosts join the client's, its loopback rule stays", () => {
    const resolved = resolveClientOptions({
      env: {},
      plainHttp: ["registry.test"],
      transport: { plainHttp: { hosts: ["other.test"], loopback: false } },
    });
    expect(resolved.transport.plainHttp).toEqual({ hosts: ["registry.test", "other.test"], loopback: false });
    const wired = createClientTransport(resolved);
    expect(wired.transport.baseUrl("localhost:5000").protocol).toBe("https:");
    expect(wired.transport.baseUrl("other.test").protocol).toBe("http:");
    void wired.close();
  });

  it.each([
    [{ caFiles: ["/nonexistent/stevedore-ca.pem"] }, /cannot read CA file/],
    [{ concurrency: 0 }, /concurrency/],
    [{ concurrency: 1.5 }, /concurrency/],
    [{ concurrency: 257 }, /concurrency must be a whole number from 1 to 256, got 257/],
    [{ platforms: [] }, /platforms/],
    [{ platforms: ["linux/amd64"] }, /platforms/],
    [{ insecure: "yes" }, /insecure/],
    [{ plainHttp: [""] }, /plainHttp/],
    [{ credentials: {} }, /credentials/],
    [{ onProgress: "log" }, /onProgress/],
    [{ environmentProxies: "no" }, /environmentProxies/],
  ])("refuses %o", (options, message) => {
    const attempt = (): unknown => createClient({ env: {}, ...(options as object) });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });

  it("sends Warning headers to onWarning and request lines to onDebug", async () => {
    const server = track(
      await startScriptedServer(() => ({
        status: 200,
        headers: { warning: '299 - "this registry is deprecated"' },
      })),
    );
    const warnings: string[] = [];
    const lines: string[] = [];
    const client = createClient({
      credentials: false,
      env: {},
      onWarning: (warning) => warnings.push(warning),
      onDebug: (line) => lines.push(line),
    });
    try {
      await client.ping(server.host);
    } finally {
      await client.close();
    }
    expect(warnings).toEqual(["this registry is deprecated"]);
    expect(lines.some((line) => line.includes("/v2/"))).toBe(true);
  });

  it("fetches a blob verified against its digest", async () => {
    const content = Buffer.from("stevedore blob");
    const digest = digestOf(content);
    const server = track(
      await startScriptedServer((request) =>
        request.path.endsWith(digest)
          ? { status: 200, headers: { "docker-content-digest": digest }, body: content }
          : { status: 404 },
      ),
    );
    const client = createClient({ credentials: false, env: {} });
    try {
      const chunks: Uint8Array[] = [];
      for await (const chunk of await client.blob(`${server.host}/team/app@${digest}`)) chunks.push(chunk);
      expect(Buffer.concat(chunks).toString()).toBe("stevedore blob");
      await expect(client.blob(`${server.host}/team/app:v1`)).rejects.toThrow(UsageError);
      await expect(client.blob(`${server.host}/team/app@sha256:${"c".repeat(64)}`)).rejects.toThrow(
        NotFoundError,
      );
    } finally {
      await client.close();
    }
  });
});
