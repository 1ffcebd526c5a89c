import {
  AuthenticationError,
  CredentialError,
  InvalidReferenceError,
  NetworkError,
  NotFoundError,
  RegistryResponseError,
} from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { describeError } from "./describe-error.js";

describe("describeError", () => {
  it("one line: what failed, the library's message, what to try", () => {
    const report = describeError(
      new NotFoundError("tag v9 not found in\nlocalhost:5000/app"),
      "digest app:v9",
    );
    expect(report).toEqual({
      exitCode: 3,
      line: "stevedore: digest app:v9: tag v9 not found in localhost:5000/app (check the name, tag, digest or path)",
      json: {
        name: "NotFoundError",
        code: "STEVEDORE_NOT_FOUND",
        message: "tag v9 not found in localhost:5000/app",
      },
    });
  });

  it("usage errors point at the command's help", () => {
    const report = describeError(new InvalidReferenceError("A", "upper case"), "pull A out", {
      command: "pull",
    });
    expect(report.line).toBe(
      `stevedore: pull A out: invalid reference "A": upper case (see 'stevedore help pull')`,
    );
  });

  it("a bare 400 over plain HTTP says the server may speak HTTPS (distribution's answer to --plain-http)", () => {
    const bare = (url: string, errors: { code: string }[] = []) =>
      describeError(new RegistryResponseError({ status: 400, method: "GET", url, errors }), "ls x").line;
    expect(bare("http://127.0.0.1:5000/v2/a/tags/list")).toBe(
      "stevedore: ls x: GET http://127.0.0.1:5000/v2/a/tags/list answered 400 (the server may speak HTTPS: leave out --plain-http, and give --ca-file FILE for a private CA)",
    );
    expect(bare("https://127.0.0.1:5000/v2/a/tags/list")).not.toMatch(/plain-http/);
    expect(bare("http://127.0.0.1:5000/v2/a/tags/list", [{ code: "NAME_INVALID" }])).not.toMatch(
      /plain-http/,
    );
  });

  it("TLS failures suggest --ca-file and --insecure", () => {
    const report = describeError(new NetworkError("self-signed certificate in certificate chain"), "ls x");
    expect(report.exitCode).toBe(5);
    expect(report.line).toMatch(
      /\(pass --ca-file FILE for a private CA, or --insecure to skip TLS verification\)$/,
    );
  });

  it("other network failures suggest --plain-http", () => {
    expect(describeError(new NetworkError("connect ECONNREFUSED"), "ls x").line).toMatch(/--plain-http/);
    const remote = new NetworkError(
      "GET https://registry.example.com/v2/ failed: connection refused (ECONNREFUSED)",
    );
    expect(describeError(remote, "ls x").line).toMatch(/--plain-http/);
  });

  it("a refused connection on loopback says nothing listens there, not --plain-http (tried already)", () => {
    for (const url of [
      "http://127.0.0.1:1/v2/",
      "http://[::1]:1/v2/",
      "http://localhost:1/v2/",
      "http://registry.localhost:1/v2/",
    ]) {
      const line = describeError(
        new NetworkError(`GET ${url} failed: connection refused (ECONNREFUSED: connect ECONNREFUSED)`),
        "ls x",
      ).line;
      expect(line).toMatch(
        /\(nothing listens at that address: check the port, and that the registry runs\)$/,
      );
      expect(line).not.toMatch(/--plain-http/);
    }
  });

  it("an authentication failure of a copy names the per-side flags, since -u is refused for two registries", () => {
    const line = describeError(new AuthenticationError("127.0.0.1:5000", "no credentials"), "copy a b", {
      command: "copy",
    }).line;
    expect(line).toMatch(/--src-username USER or --dest-username USER/);
    expect(line).not.toMatch(/pass -u USER/);
  });

  it("credential file problems point at the Docker config", () => {
    expect(describeError(new CredentialError("config.json is not JSON"), "ls x").line).toMatch(
      /DOCKER_CONFIG/,
    );
    expect(describeError(new AuthenticationError("ghcr.io", "denied"), "ls x").line).toMatch(
      /stevedore login/,
    );
  });

  it("an interruption is reported as such, whatever error the abort caused", () => {
    const report = describeError(new NetworkError("socket closed"), "pull a b", { interrupted: true });
    expect(report).toMatchObject({ exitCode: 130, line: "stevedore: pull a b: interrupted" });
    expect(report.json.code).toBe("STEVEDORE_ABORTED");
  });

  it("a bug is named with its class and without a stack", () => {
    const report = describeError(new TypeError("cannot read properties of undefined"), "ls x");
    expect(report.line).toBe(
      "stevedore: ls x: TypeError: cannot read properties of undefined (run again with --debug for details)",
    );
    expect(report.json.code).toBe("STEVEDORE_INTERNAL");
  });

  it("registry error bodies stay on the line, flattened", () => {
    const error = new RegistryResponseError({
      status: 500,
      method: "PUT",
      url: "https://r.example/v2/app/manifests/v1",
      errors: [{ code: "UNKNOWN", message: "line one\nline two" }],
    });
    const { line } = describeError(error, "push a b");
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toContain("UNKNOWN: line one line two");
  });

  it("very long messages are cut", () => {
    const { line } = describeError(new NotFoundError("x".repeat(5000)), "ls x");
    expect(line.length).toBeLessThan(1200);
  });
});
