import { InvalidPlatformError } from "./errors.js";
import { inputText } from "./input-text.js";
import type { Platform } from "./manifest-types.js";

const componentPattern = /^[A-Za-z0-9_.-]+$/;
const componentNames = ["os", "architecture", "variant"] as const;
const expected = "expected os/architecture[/variant][:os.version], e.g. linux/amd64 or linux/arm/v7";

/**
 * Parses a platform as users write it: `os/architecture[/variant][:os.version]`, e.g. `linux/amd64`,
 * `linux/arm64/v8`, `windows/amd64:10.0.20348.1249`.
 *
 * The result is as written, not normalised: `formatPlatform(parsePlatform(x)) === x`. Matching normalises
 * both sides (`matchPlatform`); call `normalizePlatform` for the canonical form (`linux/x86_64` →
 * `linux/amd64`). `all` is not a platform: a command that accepts `--platform all` handles it before calling.
 *
 * @throws InvalidPlatformError with a message naming what is wrong.
 * @example
 * parsePlatform("linux/arm/v7"); // { architecture: "arm", os: "linux", variant: "v7" }
 */
export function parsePlatform(input: string): Platform {
  if (typeof input !== "string") {
    throw new InvalidPlatformError(inputText(input), `expected a string, got ${typeof input}`);
  }
  const fail = (reason: string): InvalidPlatformError => new InvalidPlatformError(input, reason);
  if (input === "") throw fail(`platform is empty; ${expected}`);
  if (input.toLowerCase() === "all") {
    throw fail(`"all" selects every platform and is not a platform itself`);
  }
  const colon = input.indexOf(":");
  const specifier = colon === -1 ? input : input.slice(0, colon);
  const osVersion = colon === -1 ? undefined : input.slice(colon + 1);
  const parts = specifier.split("/");
  if (parts.length < 2) throw fail(`missing architecture; ${expected}`);
  if (parts.length > 3) throw fail(`too many '/'; ${expected}`);
  for (const [index, part] of parts.entries()) {
    const name = componentNames[index] ?? "component";
    if (part === "") throw fail(`${name} is empty; ${expected}`);
    if (!componentPattern.test(part)) {
      throw fail(`${name} ${quote(part)} may contain only letters, digits, '_', '.' and '-'`);
    }
  }
  if (osVersion !== undefined) {
    if (osVersion === "") throw fail("os.version after ':' is empty");
    if (!componentPattern.test(osVersion)) {
      throw fail(`os.version ${quote(osVersion)} may contain only letters, digits, '_', '.' and '-'`);
    }
  }
  const [os = "", architecture = "", variant] = parts;
  const platform: Platform = { architecture, os };
  if (variant !== undefined) platform.variant = variant;
  if (osVersion !== undefined) platform["os.version"] = osVersion;
  return platform;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
