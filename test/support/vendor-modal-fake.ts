/**
 * A stand-in for Modal's SDK at the seam the Modal adapter uses (`ModalClient`: apps, images,
 * sandboxes; `Sandbox.exec`, `terminate`): Modal speaks gRPC, which no local server here speaks,
 * so this replaces the SDK object instead. Its `exec` runs the command for real on this machine,
 * with web streams for stdin, stdout and stderr as the SDK gives them, so the bytes, the `sh` pid
 * file and the `kill` the adapter relies on are real. It records every call.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { constants } from "node:os";

import type { ModalClientLike, ModalCreateParams, ModalProcessLike, ModalSandboxLike, ModalSdk } from "../../src/executors/modal/modal-sandbox.js";

/** What the fake was asked to do. */
export interface ModalCalls {
  clients: Array<{ tokenId?: string; tokenSecret?: string; environment?: string }>;
  apps: string[];
  images: string[];
  created: ModalCreateParams[];
  execs: string[][];
  terminated: string[];
  closedClients: number;
  /** Processes exec'd and still running. */
  running: Set<ChildProcessWithoutNullStreams>;
}

/** A readable web stream of a child's output, as text. */
function textStream(source: NodeJS.ReadableStream): ReadableStream<string> {
  return new ReadableStream<string>({
    start(controller) {
      source.setEncoding("utf8");
      source.on("data", (text: string) => controller.enqueue(text));
      source.on("end", () => controller.close());
    },
  });
}

class FakeSandbox implements ModalSandboxLike {
  constructor(
    readonly sandboxId: string,
    private readonly calls: ModalCalls,
  ) {}

  async exec(command: string[]): Promise<ModalProcessLike> {
    // The SDK's own check before it calls Modal: a command line of at most 64 KiB.
    if (command.reduce((sum, argument) => sum + argument.length, 0) > 2 ** 16) throw new Error("Total length of CMD arguments must be less than 65536 bytes");
    this.calls.execs.push(command);
    const child = spawn(command[0]!, command.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    this.calls.running.add(child);
    child.stdin.on("error", () => undefined);
    const exited = new Promise<number>((resolve) =>
      child.on("close", (code, signal) => {
        this.calls.running.delete(child);
        resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
      }),
    );
    return {
      stdin: new WritableStream<string>({ write: (text) => void child.stdin.write(text) }),
      stdout: textStream(child.stdout),
      stderr: textStream(child.stderr),
      wait: () => exited,
    };
  }

  async terminate(): Promise<void> {
    this.calls.terminated.push(this.sandboxId);
    for (const child of this.calls.running) child.kill("SIGKILL");
  }
}

/**
 * The checks Modal's SDK (0.11.1) makes on a sandbox's parameters before it calls Modal, which the
 * real SDK would throw on: timeouts in whole seconds, a memory limit only with a reservation under it.
 */
function checkCreateParams(params: ModalCreateParams): void {
  for (const name of ["timeoutMs", "idleTimeoutMs"] as const) {
    if (params[name] <= 0 || params[name] % 1000 !== 0) throw new Error(`${name} must be a positive multiple of 1000ms, got ${params[name]}`);
  }
  if (params.memoryLimitMiB !== undefined && params.memoryMiB === undefined) throw new Error("must also specify memoryMiB when memoryLimitMiB is specified");
  if (params.memoryMiB > params.memoryLimitMiB) throw new Error("the memoryMiB request cannot be higher than memoryLimitMiB");
}

/** A fake `modal` module and the record of what it was asked. */
export function fakeModal(): { sdk: ModalSdk; calls: ModalCalls } {
  const calls: ModalCalls = { clients: [], apps: [], images: [], created: [], execs: [], terminated: [], closedClients: 0, running: new Set() };
  let count = 0;
  class ModalClient implements ModalClientLike {
    constructor(params: { tokenId?: string; tokenSecret?: string; environment?: string }) {
      calls.clients.push(params);
    }
    apps = { fromName: async (name: string) => (calls.apps.push(name), { appId: `ap-${name}` }) };
    images = { fromRegistry: (tag: string) => (calls.images.push(tag), { tag }) };
    sandboxes = {
      create: async (_app: never, _image: never, params: ModalCreateParams) => {
        checkCreateParams(params);
        calls.created.push(params);
        return new FakeSandbox(`sb-local-${++count}`, calls);
      },
      fromId: async (sandboxId: string) => new FakeSandbox(sandboxId, calls),
    };
    close(): void {
      calls.closedClients += 1;
    }
  }
  return { sdk: { ModalClient }, calls };
}
