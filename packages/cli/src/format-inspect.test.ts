import type { InspectResult } from "@stevedore/client";
import { describe, expect, it } from "vitest";
import { closestName } from "./closest-name.js";
import { formatInspect } from "./format-inspect.js";

const digest = (hex: string): string => `sha256:${hex.repeat(64 / hex.length)}`;

describe("formatInspect", () => {
  it("an index: platforms, the chosen image with layers and labels, annotations", () => {
    const result: InspectResult = {
      reference: "docker.io/library/alpine:3.20",
      digest: digest("aa"),
      mediaType: "application/vnd.oci.image.index.v1+json",
      size: 9218,
      platforms: [
        { platform: { os: "linux", architecture: "amd64" }, digest: digest("bb"), size: 1024 },
        { platform: { os: "linux", architecture: "arm", variant: "v7" }, digest: digest("cc"), size: 1025 },
      ],
      image: {
        platform: { os: "linux", architecture: "amd64" },
        created: "2024-05-01T12:00:00Z",
        labels: { maintainer: "someone\nelse" },
        env: ["PATH=/usr/bin", "LANG=C\nUTF-8"],
        entrypoint: ["/bin/sh", "-c"],
        cmd: ["echo hi"],
        user: "app",
        workingDir: "/srv",
        exposedPorts: ["443/tcp", "80/tcp"],
        layers: [
          { digest: digest("dd"), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", size: 3_600_000 },
        ],
        layersSize: 3_600_000,
        totalSize: 3_601_500,
        config: { digest: digest("ee"), size: 1500 },
      },
      annotations: { "org.opencontainers.image.version": "3.20" },
    };
    expect(formatInspect(result)).toEqual([
      "Reference:   docker.io/library/alpine:3.20",
      `Digest:      ${digest("aa")}`,
      "Media type:  application/vnd.oci.image.index.v1+json",
      "Size:        9.0 KiB (9218 bytes, this index itself)",
      "Platforms:   2",
      `  linux/amd64   ${digest("bb")}  1.0 KiB`,
      `  linux/arm/v7  ${digest("cc")}  1.0 KiB`,
      "Image:       linux/amd64",
      "  Created:    2024-05-01T12:00:00Z",
      `  Config:     ${digest("ee")}  1.5 KiB`,
      "  Layers:     1 layer, 3.4 MiB compressed",
      `    ${digest("dd")}     3.4 MiB  application/vnd.oci.image.layer.v1.tar+gzip`,
      "  Total:      3.4 MiB compressed (config and layers)",
      "  Env:        PATH=/usr/bin",
      "              LANG=C UTF-8",
      '  Entrypoint: ["/bin/sh","-c"]',
      '  Cmd:        ["echo hi"]',
      "  User:       app",
      "  WorkingDir: /srv",
      "  Ports:      443/tcp, 80/tcp",
      "  Labels:",
      "    maintainer=someone else",
      "Annotations:",
      "  org.opencontainers.image.version=3.20",
    ]);
  });

  it("an artifact without image or platforms: the manifest and its artifact type", () => {
    const lines = formatInspect({
      reference: "r/a:1",
      digest: digest("11"),
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      size: 10,
      artifactType: "application/vnd.cncf.helm.config.v1+json",
    });
    expect(lines.slice(3)).toEqual([
      "Size:        10 B (10 bytes, this manifest itself)",
      "Artifact:    application/vnd.cncf.helm.config.v1+json",
    ]);
  });
});

describe("closestName", () => {
  it.each([
    ["cpoy", "copy"],
    ["pul", "pull"],
    ["inpsect", "inspect"],
    ["LS", "ls"],
    ["frobnicate", undefined],
  ])("%s → %s", (input, expected) => {
    expect(closestName(input, ["copy", "pull", "push", "inspect", "ls", "login"])).toBe(expected);
  });
});
