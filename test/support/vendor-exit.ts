/** Runs `vendor-exit-host.ts` for a vendor in a child host process and waits until it has exited. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The host's stdout, once it has exited (it launched a sandbox and closed nothing). */
export async function runHostThatExits(vendor: "e2b" | "blaxel", url: string, env: Record<string, string> = {}): Promise<string> {
  const host = fileURLToPath(new URL("./vendor-exit-host.ts", import.meta.url));
  const viteNode = fileURLToPath(new URL("../../node_modules/.bin/vite-node", import.meta.url));
  const { stdout } = await promisify(execFile)(viteNode, [host, vendor, url], { timeout: 60_000, env: { ...process.env, ...env } });
  return stdout;
}

/** Waits (up to 20 s) until `done()` holds. */
export async function eventually(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}
