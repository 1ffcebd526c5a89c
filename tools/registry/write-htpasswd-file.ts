import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";

/**
 * Writes an htpasswd file with one bcrypt line per user, made by `htpasswd -niB` (apache2-utils). The
 * password goes through stdin so it never shows in a process list.
 */
export async function writeHtpasswdFile(path: string, users: Record<string, string>): Promise<void> {
  const lines: string[] = [];
  for (const [username, password] of Object.entries(users)) {
    if (username === "" || username.includes(":")) {
      throw new Error(
        `htpasswd user names must be non-empty and hold no ':', got ${JSON.stringify(username)}`,
      );
    }
    lines.push(await bcryptLine(username, password));
  }
  await writeFile(path, `${lines.join("\n")}\n`, { mode: 0o600 });
}

function bcryptLine(username: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("htpasswd", ["-niB", username], (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
        reject(
          new Error(
            "htpasswd is not installed: install the Debian package apache2-utils (apt-get install apache2-utils)",
          ),
        );
      } else if (error) {
        reject(new Error(`htpasswd failed for user ${username}: ${stderr.trim() || error.message}`));
      } else {
        resolve(stdout.trim());
      }
    });
    child.stdin?.on("error", () => {
      // A missing binary closes stdin early; the callback above reports it.
    });
    child.stdin?.end(`${password}\n`);
  });
}
