/** Test certificates for TLS servers on 127.0.0.1, made with openssl. */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** A PEM certificate and its key. */
export interface TestCertificate {
  cert: string;
  key: string;
}

/** A self-signed certificate (its own CA) for `subject`, with the given subjectAltName, made by openssl. */
export async function createCertificate(subject: string, altName: string): Promise<TestCertificate> {
  const folder = await mkdtemp(join(tmpdir(), "stevedore-test-tls-"));
  try {
    const keyFile = join(folder, "key.pem");
    const certFile = join(folder, "cert.pem");
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${subject}`,
      "-addext",
      `subjectAltName=${altName}`,
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ]);
    return { cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8") };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
