import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A self-signed server certificate for 127.0.0.1 and localhost, and its key, as PEM files. */
export interface TlsCertificate {
  /** The certificate; also the CA file clients trust (`--ca-file`). */
  certificatePath: string;
  keyPath: string;
}

/**
 * Makes a P-256 key and a self-signed certificate for `127.0.0.1`, `::1` and `localhost` with the openssl
 * CLI in `directory`, valid from now for two days: a TLS registry on loopback for tests.
 */
export async function createTlsCertificate(directory: string): Promise<TlsCertificate> {
  const certificatePath = join(directory, "registry-certificate.pem");
  const keyPath = join(directory, "registry-key.pem");
  try {
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certificatePath,
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
      "-days",
      "2",
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        "openssl is not installed: install the Debian package openssl (apt-get install openssl)",
      );
    }
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`openssl could not create the registry's TLS certificate: ${stderr || String(error)}`);
  }
  return { certificatePath, keyPath };
}
