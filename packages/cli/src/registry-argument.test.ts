import { UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { registryArgument } from "./registry-argument.js";

describe("registryArgument", () => {
  it.each([
    ["localhost:5000", "localhost:5000"],
    ["127.0.0.1:5000", "127.0.0.1:5000"],
    ["ghcr.io", "ghcr.io"],
    ["Registry.Example.com", "registry.example.com"],
    ["https://index.docker.io/v1/", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["docker.io", "docker.io"],
    ["http://localhost:5000/v2/", "localhost:5000"],
    ["[::1]:5000", "[::1]:5000"],
    ["localhost", "localhost"],
  ])("%s → %s", (input, registry) => {
    expect(registryArgument(input)).toBe(registry);
  });

  it.each([["alice"], [""], ["https://"], ["not a host"], ["team/app"], ["ghcr.io:port"]])(
    "%j is not a registry",
    (input) => {
      expect(() => registryArgument(input)).toThrow(UsageError);
    },
  );
});
