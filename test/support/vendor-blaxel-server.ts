/**
 * A local stand-in for the two Blaxel services `@blaxel/core` talks to, on 127.0.0.1: the control
 * plane (create, get, delete a sandbox; the SDK reaches it at `BL_API_URL`) and the sandbox's own
 * process API (start a process, its log stream, stdin, kill, its record), at the `metadata.url`
 * the control plane hands back. Processes are real (`sh -c <command>` on this machine). The log
 * stream sends one `stdout:` or `stderr:` line per line of output, from the start of the process,
 * which is the format the SDK parses. Every request is recorded.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer, type ServerResponse } from "node:http";

import { listenLocally, readBody, sendJson, stopServer, type RecordedRequest } from "./vendor-http.js";

/** One process the stand-in started. */
interface LocalProcess {
  child: ChildProcessWithoutNullStreams;
  /** Every log line so far, "stdout:..." or "stderr:...". */
  lines: string[];
  listeners: Set<(line: string | undefined) => void>;
  record: { name: string; pid: string; command: string; status: string; exitCode?: number };
}

/** A running stand-in; see the module comment. */
export interface BlaxelServer {
  /** The control plane's URL, for `BL_API_URL`. */
  apiUrl: string;
  requests: RecordedRequest[];
  liveSandboxes: Set<string>;
  /** Processes still running. */
  running(): number;
  close(): Promise<void>;
}



/** Splits a stream's text into lines, each handed to `emit` with its prefix. */
function lineReader(prefix: string, emit: (line: string) => void) {
  let partial = "";
  return {
    push(text: string) {
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) emit(`${prefix}${line}`);
    },
    flush() {
      if (partial !== "") emit(`${prefix}${partial}`);
      partial = "";
    },
  };
}

/** Starts the stand-in on a free port of 127.0.0.1. */
export async function startBlaxelServer(): Promise<BlaxelServer> {
  const requests: RecordedRequest[] = [];
  const liveSandboxes = new Set<string>();
  const processes = new Map<string, LocalProcess>();
  let base = "";

  const sandboxJson = (name: string, spec: unknown = {}) => ({
    metadata: { name, url: `${base}/run/${name}`, workspace: "local" },
    spec,
    status: "DEPLOYED",
  });

  const startProcess = (body: { name: string; command: string }): LocalProcess => {
    const child = spawn("sh", ["-c", body.command], { stdio: ["pipe", "pipe", "pipe"] });
    const local: LocalProcess = {
      child,
      lines: [],
      listeners: new Set(),
      record: { name: body.name, pid: String(child.pid), command: body.command, status: "running" },
    };
    const emit = (line: string | undefined) => {
      if (line !== undefined) local.lines.push(line);
      for (const listener of local.listeners) listener(line);
    };
    const stdout = lineReader("stdout:", emit);
    const stderr = lineReader("stderr:", emit);
    child.stdout.setEncoding("utf8").on("data", (text: string) => stdout.push(text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => stderr.push(text));
    child.stdin.on("error", () => undefined);
    child.on("close", (code, signal) => {
      stdout.flush();
      stderr.flush();
      local.record.status = signal === "SIGKILL" ? "killed" : code === 0 ? "completed" : "failed";
      if (code !== null) local.record.exitCode = code;
      emit(undefined);
    });
    processes.set(body.name, local);
    return local;
  };

  /** The log stream: what was said so far, then each new line, until the process ends. */
  const streamLogs = (local: LocalProcess, response: ServerResponse) => {
    response.writeHead(200, { "content-type": "text/plain" });
    for (const line of local.lines) response.write(`${line}\n`);
    if (local.record.status !== "running") return response.end();
    const listener = (line: string | undefined) => {
      if (line !== undefined) return void response.write(`${line}\n`);
      local.listeners.delete(listener);
      response.end();
    };
    local.listeners.add(listener);
  };

  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const path = (request.url ?? "/").split("?")[0]!;
      const isJson = (request.headers["content-type"] ?? "").includes("json") && body.length > 0;
      const authorization = request.headers["x-blaxel-authorization"];
      requests.push({
        method: request.method ?? "",
        path,
        body: isJson ? JSON.parse(body.toString("utf8")) : body.toString("utf8"),
        apiKey: typeof authorization === "string" ? authorization : undefined,
      });
      let match: RegExpMatchArray | null;
      if (request.method === "POST" && path === "/v0/sandboxes") {
        const created = JSON.parse(body.toString("utf8")) as { metadata: { name: string }; spec: unknown };
        liveSandboxes.add(created.metadata.name);
        return sendJson(response, 200, sandboxJson(created.metadata.name, created.spec));
      }
      if ((match = path.match(/^\/v0\/sandboxes\/([^/]+)$/))) {
        const name = match[1]!;
        if (!liveSandboxes.has(name)) return sendJson(response, 404, { code: 404, error: "sandbox not found" });
        if (request.method === "DELETE") liveSandboxes.delete(name);
        return sendJson(response, 200, sandboxJson(name));
      }
      if ((match = path.match(/^\/run\/([^/]+)\/process(?:\/([^/]+))?(\/logs\/stream|\/stdin|\/kill)?$/))) {
        if (!liveSandboxes.has(match[1]!)) return sendJson(response, 404, { error: "sandbox not found" });
        const [, , id, action] = match;
        if (id === undefined && request.method === "POST") {
          return sendJson(response, 200, startProcess(JSON.parse(body.toString("utf8")) as { name: string; command: string }).record);
        }
        const local = id === undefined ? undefined : processes.get(id);
        if (local === undefined) return sendJson(response, 404, { error: "process not found" });
        if (action === "/logs/stream") return streamLogs(local, response);
        if (action === "/stdin") {
          local.child.stdin.write(body);
          return sendJson(response, 200, { message: "written" });
        }
        if (action === "/kill") {
          local.child.kill("SIGKILL");
          return sendJson(response, 200, local.record);
        }
        return sendJson(response, 200, local.record);
      }
      sendJson(response, 404, { error: `no route for ${request.method} ${path}` });
    })();
  });
  base = await listenLocally(server);
  return {
    apiUrl: `${base}/v0`,
    requests,
    liveSandboxes,
    running: () => [...processes.values()].filter((local) => local.record.status === "running").length,
    close: async () => {
      for (const local of processes.values()) local.child.kill("SIGKILL");
      await stopServer(server);
    },
  };
}
