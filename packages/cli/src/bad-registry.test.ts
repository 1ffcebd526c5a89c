// Issue 13, point 6: a registry's bad answer is never a usage error, and the same fault gets the same exit
// code and message whichever way it arrives.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";

type Answer = (response: ServerResponse) => void;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A registry on 127.0.0.1 that answers `/v2/` and every other request with `answer`. */
async function registry(answer: Answer): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    if (request.url === "/v2/") response.writeHead(200).end("{}");
    else answer(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const manifestType = "application/vnd.oci.image.manifest.v1+json";

describe("a bad registry", () => {
  it.each(["file:///etc/passwd", "ftp://127.0.0.1/x"])(
    "redirecting to %s is not a usage error and points at no help page",
    async (location) => {
      const host = await registry((response) => response.writeHead(307, { location }).end());
      const run = await runCli(["manifest", `${host}/a:t`]);
      expect(run.code).not.toBe(ExitCode.usage);
      expect(run.code).toBe(ExitCode.error);
      expect(run.stderrLines).toHaveLength(1);
      expect(run.stderrLines[0]).toContain("redirected to a URL that cannot be followed");
      expect(run.stderrLines[0]).not.toContain("help");
    },
  );

  it("sending an endless chunked manifest fails like a 5 MiB manifest with Content-Length: exit 6, same message", async () => {
    const endless = await registry((response) => {
      response.writeHead(200, { "content-type": manifestType });
      const filler = Buffer.alloc(64 * 1024, 32);
      const write = (): void => {
        while (!response.destroyed && response.write(filler));
      };
      response.on("drain", write);
      response.on("close", () => response.off("drain", write));
      write();
    });
    const declared = await registry((response) => {
      const size = 5 * 1024 * 1024;
      response.writeHead(200, { "content-type": manifestType, "content-length": size });
      response.end(Buffer.alloc(size, 32));
    });
    const runs = [
      await runCli(["manifest", `${endless}/a:t`]),
      await runCli(["manifest", `${declared}/a:t`]),
    ];
    const lines = runs.map((run) => run.stderrLines.join("\n").replace(/127\.0\.0\.1:\d+/g, "HOST"));
    for (const run of runs) {
      expect(run.code).toBe(ExitCode.verification);
      expect(run.stderrLines).toHaveLength(1);
    }
    expect(lines[0]).toBe(lines[1]);
    expect(lines[0]).toContain("manifest HOST/a:t is more than the limit of 4194304 bytes");
  });
});
