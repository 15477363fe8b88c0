/**
 * The E2B launcher through the real `e2b` SDK, pointed at a local stand-in for E2B's REST API and
 * its envd process service (Connect-RPC) that runs real processes on this machine.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { MissingCredentialsError, MissingPackageError } from "../src/errors.js";
import { e2bLauncher } from "../src/executors/e2b/e2b-launcher.js";
import { E2B_PACKAGE } from "../src/executors/e2b/e2b-sandbox.js";
import { importOptional } from "../src/executors/import-optional.js";
import type { RemoteSandboxLauncher } from "../src/executors/remote/remote-sandbox-launcher.js";
import { ECHO_ARGV, roundTrip, useOnceAndClose } from "./support/vendor-echo.js";
import { startE2BServer, type E2BServer } from "./support/vendor-e2b-server.js";
import { eventually, runHostThatExits } from "./support/vendor-exit.js";

const LIMITS = { memoryLimitMb: 256, timeoutMs: 30_000 };

let server: E2BServer;
let launcher: RemoteSandboxLauncher | undefined;

beforeEach(async () => {
  server = await startE2BServer();
});

afterEach(async () => {
  await launcher?.close();
  launcher = undefined;
  await server.close();
});

function localLauncher(options: { lifetimeMs?: number; sandboxId?: string } = {}): RemoteSandboxLauncher {
  launcher = e2bLauncher({ apiKey: "e2b_test_key", apiUrl: server.url, sandboxUrl: server.url, ...options }, { argv: ECHO_ARGV });
  return launcher;
}

describe("E2B launcher against a local E2B", () => {
  it("creates a sandbox and carries lines both ways through a process in it", async () => {
    const channel = await localLauncher().launch(LIMITS);
    expect(await roundTrip(channel, ["hello", "wörld"])).toEqual(["echo:hello", "echo:wörld"]);

    const create = server.requests.find((request) => request.path === "/v2/sandboxes");
    expect(create).toMatchObject({ method: "POST", apiKey: "e2b_test_key", body: { timeout: 300, allow_internet_access: false } });
    const start = server.requests.find((request) => request.path === "/process.Process/Start");
    expect(start?.body).toMatchObject({ process: { cmd: "/bin/bash", args: ["-l", "-c", expect.stringMatching(/^ulimit -d 393216 && exec 'python3' '-u' '-c' /)] }, stdin: true });
  });

  it("ends the channel with the exit code and the stderr tail when the process exits", async () => {
    const channel = await localLauncher().launch(LIMITS);
    channel.send("exit 3");
    const end = await channel.ended;
    expect(end.reason).toMatch(/^The E2B sandbox's process exited with code 3 .*: leaving with 3$/);
  });

  it("kills the process on close, with the host's reason, and keeps the sandbox for the next launch", async () => {
    const first = await localLauncher().launch(LIMITS);
    await roundTrip(first, ["ping"]);
    first.close("was reset");
    expect((await first.ended).reason).toBe("The E2B sandbox's process was reset");
    expect(server.requests.some((request) => request.path === "/process.Process/SendSignal" && JSON.stringify(request.body).includes("SIGKILL"))).toBe(true);
    expect(server.processes.size).toBe(0);

    const second = await launcher!.launch(LIMITS);
    expect(await roundTrip(second, ["pong"])).toEqual(["echo:pong"]);
    expect(server.requests.filter((request) => request.path === "/v2/sandboxes")).toHaveLength(1);
    expect(server.requests.filter((request) => request.path === "/process.Process/Start")).toHaveLength(2);
  });

  it("starts a fresh sandbox when E2B has ended the one it had (its lifetime ran out)", async () => {
    const first = await localLauncher().launch(LIMITS);
    await roundTrip(first, ["ping"]);
    server.expire("local-sandbox-1");
    expect((await first.ended).reason).toMatch(/^The E2B sandbox's process exited with code -1/);

    const second = await launcher!.launch(LIMITS);
    expect(await roundTrip(second, ["pong"])).toEqual(["echo:pong"]);
    expect([...server.liveSandboxes]).toEqual(["local-sandbox-2"]);
  });

  it("destroys the sandbox on close", async () => {
    const channel = await localLauncher().launch(LIMITS);
    expect(server.liveSandboxes.size).toBe(1);
    channel.close("was closed");
    await channel.ended;
    await launcher!.close();
    expect(server.liveSandboxes.size).toBe(0);
    expect(server.requests.some((request) => request.method === "DELETE" && request.path === "/sandboxes/local-sandbox-1")).toBe(true);
  });

  it("connects to a running sandbox given by id, and leaves it running on close", async () => {
    server.liveSandboxes.add("users-sandbox");
    expect(await useOnceAndClose(localLauncher({ sandboxId: "users-sandbox" }))).toEqual(["echo:hi"]);
    expect(server.requests.some((request) => request.path === "/v2/sandboxes/users-sandbox/connect")).toBe(true);
    expect(server.requests.some((request) => request.method === "DELETE")).toBe(false);
    expect(server.liveSandboxes.has("users-sandbox")).toBe(true);
  });

  it("renews the sandbox's E2B lifetime while it is in use, and lets an unused one run out", async () => {
    const channel = await localLauncher({ lifetimeMs: 1_000 }).launch(LIMITS);
    const renewals = () => server.requests.filter((request) => request.path === "/sandboxes/local-sandbox-1/timeout");
    // In use: a line every 100 ms for 1.5 s, so every renewal tick (each 0.5 s) finds it used.
    for (let sent = 0; sent < 15; sent += 1) {
      channel.send(`line ${sent}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(renewals().length).toBeGreaterThan(0);
    expect(renewals()[0]!.body).toEqual({ timeout: 1 });
    // Unused from here: after the tick that still sees the last use, no more renewals.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const settled = renewals().length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(renewals().length).toBe(settled);
  });
});

describe("E2B sandbox when the host exits without closing it", () => {
  it("is killed by the detached request the host leaves behind", async () => {
    expect(await runHostThatExits("e2b", server.url)).toContain("launched");
    await eventually(() => server.liveSandboxes.size === 0);
    expect(server.liveSandboxes.size).toBe(0);
    const kill = server.requests.find((request) => request.method === "DELETE");
    expect(kill).toMatchObject({ path: "/sandboxes/local-sandbox-1", apiKey: "e2b_test_key" });
  }, 90_000);
});

describe("E2B launcher before any network call", () => {
  it("names E2B_API_KEY when no key is set, and calls nothing", async () => {
    const saved = process.env["E2B_API_KEY"];
    delete process.env["E2B_API_KEY"];
    try {
      launcher = e2bLauncher({ apiUrl: server.url, sandboxUrl: server.url }, { argv: ECHO_ARGV });
      const error = await launcher.launch(LIMITS).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MissingCredentialsError);
      expect((error as MissingCredentialsError).variables).toEqual(["E2B_API_KEY"]);
      expect((error as Error).message).toContain("set E2B_API_KEY");
      expect(server.requests).toEqual([]);
    } finally {
      if (saved !== undefined) process.env["E2B_API_KEY"] = saved;
    }
  });

  it("gives the exact npm install line when the SDK is not installed", async () => {
    expect(E2B_PACKAGE.installCommand).toBe("npm install e2b@^2");
    const error = await importOptional({ ...E2B_PACKAGE, specifier: "e2b-not-installed-here" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingPackageError);
    expect((error as Error).message).toBe(
      "The E2B sandbox needs the e2b-not-installed-here package, which is not installed. Install it beside codeagent: npm install e2b@^2",
    );
  });
});
