/**
 * Starts a test MCP server (tools-server.mjs) as a child process serving streamable HTTP on
 * 127.0.0.1, and resolves once it listens.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The path of the test servers' script, for stdio specs. */
export const TOOLS_SERVER = fileURLToPath(new URL("./tools-server.mjs", import.meta.url));

/** A running HTTP test server. */
export interface HttpTestServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `tools-server.mjs <kind> --http` and waits (at most 10 s) for its port. */
export async function startHttpTestServer(kind: "normal" | "failing" | "dying"): Promise<HttpTestServer> {
  const child = spawn(process.execPath, [TOOLS_SERVER, kind, "--http"], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the HTTP test server did not start within 10 s")), 10_000);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the HTTP test server exited with ${code} before listening`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
