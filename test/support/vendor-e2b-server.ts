/**
 * A local stand-in for the two E2B services the `e2b` SDK talks to, on 127.0.0.1: the REST API
 * (create, connect, renew, kill a sandbox) and the sandbox's `envd` process service, which is
 * Connect-RPC with JSON messages (a server stream for `Start`, unary calls for `SendInput` and
 * `SendSignal`). The processes it starts are real: `/bin/bash -l -c <command>` on this machine,
 * exactly what envd runs, so what crosses the SDK is what a real sandbox would send. It records
 * every request, so tests check what the SDK sent as well as what came back.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";

import { listenLocally, readBody, sendJson, stopServer, type RecordedRequest } from "./vendor-http.js";

/** A running stand-in; see the module comment. */
export interface E2BServer {
  url: string;
  requests: RecordedRequest[];
  /** Sandboxes created and not yet killed. */
  liveSandboxes: Set<string>;
  /** Processes started and still running, by pid. */
  processes: Map<number, ChildProcessWithoutNullStreams>;
  /** Ends a sandbox as E2B does when its lifetime runs out: its processes die, it is gone. */
  expire(sandboxID: string): void;
  close(): Promise<void>;
}


/** A Connect envelope: flags, 4-byte big-endian length, JSON. */
function envelope(flags: number, message: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(message));
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(json.length, 1);
  return Buffer.concat([head, json]);
}


/** Starts the stand-in on a free port of 127.0.0.1. */
export async function startE2BServer(): Promise<E2BServer> {
  const requests: RecordedRequest[] = [];
  const liveSandboxes = new Set<string>();
  const processes = new Map<number, ChildProcessWithoutNullStreams>();
  let sandboxCount = 0;

  const sandboxReply = (sandboxID: string) => ({
    sandboxID,
    templateID: "base",
    clientID: "local",
    envdVersion: "0.5.7",
    envdAccessToken: "local-envd-token",
    domain: null,
  });

  /** `process.Process/Start`: a real process, its events as a Connect server stream. */
  const startProcess = (body: Buffer, response: ServerResponse) => {
    const request = JSON.parse(body.subarray(5, 5 + body.readUInt32BE(1)).toString("utf8")) as {
      process: { cmd: string; args?: string[]; envs?: Record<string, string> };
    };
    const child = spawn(request.process.cmd, request.process.args ?? [], {
      // A home without profile scripts: `bash -l` then reads only /etc/profile, as in a fresh VM.
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: tmpdir(), ...request.process.envs },
      stdio: ["pipe", "pipe", "pipe"],
    });
    response.writeHead(200, { "content-type": "application/connect+json" });
    const pid = child.pid!;
    processes.set(pid, child);
    response.write(envelope(0, { event: { start: { pid } } }));
    child.stdout.on("data", (chunk: Buffer) => response.write(envelope(0, { event: { data: { stdout: chunk.toString("base64") } } })));
    child.stderr.on("data", (chunk: Buffer) => response.write(envelope(0, { event: { data: { stderr: chunk.toString("base64") } } })));
    child.stdin.on("error", () => undefined);
    child.on("close", (code, signal) => {
      processes.delete(pid);
      const exitCode = code ?? -1;
      const status = signal ? `signal: ${signal === "SIGKILL" ? "killed" : signal}` : `exit status ${exitCode}`;
      response.write(envelope(0, { event: { end: { exitCode, exited: signal === null, status, ...(exitCode === 0 ? {} : { error: status }) } } }));
      response.end(envelope(2, {}));
    });
  };

  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const path = (request.url ?? "/").split("?")[0]!;
      const isStream = (request.headers["content-type"] ?? "").startsWith("application/connect+json");
      const recorded = isStream
        ? JSON.parse(body.subarray(5, 5 + body.readUInt32BE(1)).toString("utf8"))
        : body.length > 0
          ? JSON.parse(body.toString("utf8"))
          : undefined;
      const apiKey = request.headers["x-api-key"];
      requests.push({ method: request.method ?? "", path, body: recorded, apiKey: typeof apiKey === "string" ? apiKey : undefined });

      let match: RegExpMatchArray | null;
      if (request.method === "POST" && path === "/v2/sandboxes") {
        const sandboxID = `local-sandbox-${++sandboxCount}`;
        liveSandboxes.add(sandboxID);
        return sendJson(response, 201, sandboxReply(sandboxID));
      }
      if (request.method === "POST" && (match = path.match(/^\/v2\/sandboxes\/([^/]+)\/connect$/))) {
        if (!liveSandboxes.has(match[1]!)) return sendJson(response, 404, { code: 404, message: "sandbox not found" });
        return sendJson(response, 200, sandboxReply(match[1]!));
      }
      if (request.method === "POST" && (match = path.match(/^\/sandboxes\/([^/]+)\/timeout$/))) {
        return liveSandboxes.has(match[1]!) ? sendJson(response, 204, undefined) : sendJson(response, 404, { code: 404, message: "not found" });
      }
      if (request.method === "DELETE" && (match = path.match(/^\/sandboxes\/([^/]+)$/))) {
        const existed = liveSandboxes.delete(match[1]!);
        return existed ? sendJson(response, 204, undefined) : sendJson(response, 404, { code: 404, message: "not found" });
      }
      if (path === "/process.Process/Start") {
        // envd answers for one sandbox, named in a header; a sandbox that is gone has no envd.
        const sandboxID = request.headers["e2b-sandbox-id"];
        if (typeof sandboxID !== "string" || !liveSandboxes.has(sandboxID)) {
          return sendJson(response, 503, { code: "unavailable", message: "sandbox not found" });
        }
        return startProcess(body, response);
      }
      if (path === "/process.Process/SendInput") {
        const { process: selector, input } = recorded as { process: { pid: number }; input: { stdin: string } };
        const child = processes.get(selector.pid);
        if (child === undefined) return sendJson(response, 404, { code: "not_found", message: "process not found" });
        child.stdin.write(Buffer.from(input.stdin, "base64"));
        return sendJson(response, 200, {});
      }
      if (path === "/process.Process/SendSignal") {
        const { process: selector } = recorded as { process: { pid: number } };
        const child = processes.get(selector.pid);
        if (child === undefined) return sendJson(response, 404, { code: "not_found", message: "process not found" });
        child.kill("SIGKILL");
        return sendJson(response, 200, {});
      }
      if (path === "/health") return sendJson(response, 204, undefined);
      sendJson(response, 404, { code: 404, message: `no route for ${request.method} ${path}` });
    })();
  });
  const url = await listenLocally(server);
  return {
    url,
    requests,
    liveSandboxes,
    processes,
    expire: (sandboxID) => {
      liveSandboxes.delete(sandboxID);
      for (const child of processes.values()) child.kill("SIGKILL");
    },
    close: async () => {
      for (const child of processes.values()) child.kill("SIGKILL");
      await stopServer(server);
    },
  };
}
