/**
 * The Blaxel launcher through the real `@blaxel/core` SDK, pointed (with `BL_API_URL`) at a local
 * stand-in for Blaxel's control plane and its sandbox process API that runs real processes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { MissingCredentialsError, MissingPackageError } from "../src/errors.js";
import { blaxelLauncher } from "../src/executors/blaxel/blaxel-launcher.js";
import { BLAXEL_PACKAGE, type BlaxelSandboxOptions } from "../src/executors/blaxel/blaxel-sandbox.js";
import { importOptional } from "../src/executors/import-optional.js";
import type { RemoteSandboxLauncher } from "../src/executors/remote/remote-sandbox-launcher.js";
import { startBlaxelServer, type BlaxelServer } from "./support/vendor-blaxel-server.js";
import { ECHO_ARGV, roundTrip, useOnceAndClose } from "./support/vendor-echo.js";
import { eventually, runHostThatExits } from "./support/vendor-exit.js";

const LIMITS = { memoryLimitMb: 256, timeoutMs: 30_000 };
const savedEnvironment = { ...process.env };
let server: BlaxelServer;
let launcher: RemoteSandboxLauncher | undefined;

beforeAll(() => {
  // HTTP/2 to Blaxel's edge is for its real regions; the stand-in speaks HTTP/1.1.
  process.env["BL_DISABLE_H2"] = "true";
  process.env["DO_NOT_TRACK"] = "1";
});

afterAll(() => {
  process.env = savedEnvironment;
});

beforeEach(async () => {
  server = await startBlaxelServer();
  process.env["BL_API_URL"] = server.apiUrl;
});

afterEach(async () => {
  await launcher?.close();
  launcher = undefined;
  await server.close();
});

function localLauncher(options: Partial<BlaxelSandboxOptions> = {}): RemoteSandboxLauncher {
  launcher = blaxelLauncher({ apiKey: "bl_test_key", workspace: "local", region: "local-1", ...options }, { argv: ECHO_ARGV });
  return launcher;
}

describe("Blaxel launcher against a local Blaxel", () => {
  it("creates a sandbox and carries lines both ways through a process in it", async () => {
    const channel = await localLauncher().launch(LIMITS);
    expect(await roundTrip(channel, ["hello", "wörld"])).toEqual(["echo:hello", "echo:wörld"]);

    const create = server.requests.find((request) => request.method === "POST" && request.path === "/v0/sandboxes");
    expect(create?.apiKey).toBe("Bearer bl_test_key");
    expect(create?.body).toMatchObject({
      spec: {
        runtime: { image: "blaxel/py-app:latest", memory: 2048 },
        lifecycle: { expirationPolicies: [{ type: "ttl-idle", value: "10m", action: "delete" }] },
      },
    });
    const start = server.requests.find((request) => request.method === "POST" && /^\/run\/[^/]+\/process$/.test(request.path));
    expect(start?.body).toMatchObject({ command: expect.stringMatching(/^ulimit -d 393216 && exec 'python3' '-u' '-c' /), stdin: true, waitForCompletion: false });
  });

  it("ends the channel with the exit code and the stderr tail when the process exits", async () => {
    const channel = await localLauncher().launch(LIMITS);
    channel.send("exit 3");
    expect((await channel.ended).reason).toBe("The Blaxel sandbox's process exited with code 3 (failed): leaving with 3");
  });

  it("kills the process on close, with the host's reason, and keeps the sandbox for the next launch", async () => {
    const first = await localLauncher().launch(LIMITS);
    await roundTrip(first, ["ping"]);
    first.close("was reset");
    expect((await first.ended).reason).toBe("The Blaxel sandbox's process was reset");
    expect(server.requests.some((request) => request.method === "DELETE" && request.path.endsWith("/kill"))).toBe(true);
    expect(server.running()).toBe(0);

    const second = await launcher!.launch(LIMITS);
    expect(await roundTrip(second, ["pong"])).toEqual(["echo:pong"]);
    expect(server.requests.filter((request) => request.method === "POST" && request.path === "/v0/sandboxes")).toHaveLength(1);
  });

  it("uses a running sandbox given by name, and leaves it running on close", async () => {
    server.liveSandboxes.add("users-sandbox");
    expect(await useOnceAndClose(localLauncher({ name: "users-sandbox" }))).toEqual(["echo:hi"]);
    expect(server.requests.some((request) => request.method === "POST" && request.path === "/v0/sandboxes")).toBe(false);
    expect(server.requests.some((request) => request.method === "DELETE" && request.path.startsWith("/v0/"))).toBe(false);
    expect(server.liveSandboxes.has("users-sandbox")).toBe(true);
  });

  it("deletes the sandbox on close", async () => {
    await localLauncher().launch(LIMITS);
    expect(server.liveSandboxes.size).toBe(1);
    await launcher!.close();
    expect(server.liveSandboxes.size).toBe(0);
    expect(server.requests.some((request) => request.method === "DELETE" && /^\/v0\/sandboxes\/codeagent-/.test(request.path))).toBe(true);
  });
});

describe("Blaxel sandbox when the host exits without closing it", () => {
  it("is deleted by the detached request the host leaves behind", async () => {
    expect(await runHostThatExits("blaxel", server.apiUrl, { BL_API_URL: server.apiUrl })).toContain("launched");
    await eventually(() => server.liveSandboxes.size === 0);
    expect(server.liveSandboxes.size).toBe(0);
    const deleted = server.requests.find((request) => request.method === "DELETE");
    expect(deleted).toMatchObject({ path: expect.stringMatching(/^\/v0\/sandboxes\/codeagent-/), apiKey: "Bearer bl_test_key" });
  }, 90_000);
});

describe("Blaxel launcher before any network call", () => {
  it("names the variables that are missing, and calls nothing", async () => {
    delete process.env["BL_API_KEY"];
    process.env["BL_WORKSPACE"] = "local";
    launcher = blaxelLauncher({}, { argv: ECHO_ARGV });
    const error = await launcher.launch(LIMITS).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingCredentialsError);
    expect((error as MissingCredentialsError).variables).toEqual(["BL_API_KEY"]);
    expect((error as Error).message).toContain("set BL_API_KEY");
    expect(server.requests).toEqual([]);
  });

  it("gives the exact npm install line when the SDK is not installed", async () => {
    expect(BLAXEL_PACKAGE.installCommand).toBe("npm install @blaxel/core@^0.3");
    const error = await importOptional({ ...BLAXEL_PACKAGE, specifier: "@blaxel/not-installed-here" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingPackageError);
    expect((error as Error).message).toMatch(/Install it beside codeagent: npm install @blaxel\/core@\^0\.3$/);
  });
});
