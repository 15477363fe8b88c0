/**
 * The Modal launcher against a stand-in for Modal's SDK at its seam (Modal speaks gRPC; no local
 * server here speaks it), whose `exec` runs real processes on this machine.
 */
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";

import { MissingCredentialsError, MissingPackageError } from "../src/errors.js";
import { importOptional } from "../src/executors/import-optional.js";
import type { RemoteSandboxLauncher } from "../src/executors/remote/remote-sandbox-launcher.js";
import { modalLauncher } from "../src/executors/modal/modal-launcher.js";
import { MODAL_PACKAGE, type ModalSandboxOptions, type ModalSdk } from "../src/executors/modal/modal-sandbox.js";
import { ECHO_ARGV, roundTrip, useOnceAndClose } from "./support/vendor-echo.js";
import { fakeModal } from "./support/vendor-modal-fake.js";

const LIMITS = { memoryLimitMb: 256, timeoutMs: 30_000 };
let launcher: RemoteSandboxLauncher | undefined;

afterEach(async () => {
  await launcher?.close();
  launcher = undefined;
});

function fakeLauncher(options: Partial<ModalSandboxOptions> = {}) {
  const fake = fakeModal();
  launcher = modalLauncher({ tokenId: "ak-test", tokenSecret: "as-test", sdk: fake.sdk, ...options }, { argv: ECHO_ARGV });
  return { launcher, calls: fake.calls };
}

describe("Modal launcher against a stand-in for the SDK", () => {
  it("has the seam's shape in the real SDK", async () => {
    const real = await import("modal");
    expectTypeOf(real).toMatchTypeOf<ModalSdk>();
    expect(typeof real.ModalClient).toBe("function");
  });

  it("creates a locked-down sandbox and carries lines both ways through a process exec'd in it", async () => {
    const { launcher, calls } = fakeLauncher();
    const channel = await launcher.launch(LIMITS);
    expect(await roundTrip(channel, ["hello", "wörld"])).toEqual(["echo:hello", "echo:wörld"]);
    expect(calls.clients).toEqual([{ tokenId: "ak-test", tokenSecret: "as-test" }]);
    expect(calls.apps).toEqual(["codeagent"]);
    expect(calls.images).toEqual(["python:3.12-slim"]);
    expect(calls.created).toEqual([{ timeoutMs: 1_800_000, idleTimeoutMs: 300_000, blockNetwork: true, memoryMiB: 256 + 128, memoryLimitMiB: 256 + 128 }]);
    expect(calls.execs[0]!.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(calls.execs[0]!.slice(4)).toEqual([...ECHO_ARGV]);
  });

  it("gives Modal its timeouts in whole seconds, as its SDK requires", async () => {
    const { launcher, calls } = fakeLauncher({ lifetimeMs: 90_500, idleTimeoutMs: 1 });
    await launcher.launch(LIMITS);
    expect(calls.created[0]).toMatchObject({ timeoutMs: 91_000, idleTimeoutMs: 1_000 });
  });

  it("ends the channel with the exit code and the stderr tail when the process exits", async () => {
    const { launcher } = fakeLauncher();
    const channel = await launcher.launch(LIMITS);
    channel.send("exit 3");
    expect((await channel.ended).reason).toBe("The Modal sandbox's process exited with code 3: leaving with 3");
  });

  it("kills only the process on close (a second exec of kill), and reuses the sandbox", async () => {
    const { launcher, calls } = fakeLauncher();
    const first = await launcher.launch(LIMITS);
    await roundTrip(first, ["ping"]);
    first.close("was reset");
    expect((await first.ended).reason).toBe("The Modal sandbox's process was reset");
    expect(calls.execs[1]!.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(calls.execs[1]![2]).toContain("kill -KILL");
    // The kill's own `sh` may still be on its way out when the killed process has gone.
    for (const deadline = Date.now() + 5_000; calls.running.size > 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.running.size).toBe(0);
    expect(calls.terminated).toEqual([]);

    const second = await launcher.launch(LIMITS);
    expect(await roundTrip(second, ["pong"])).toEqual(["echo:pong"]);
    expect(calls.created).toHaveLength(1);
  });

  it("terminates the sandbox and closes the client on close", async () => {
    const { launcher, calls } = fakeLauncher();
    await launcher.launch(LIMITS);
    await launcher.close();
    expect(calls.terminated).toEqual(["sb-local-1"]);
    expect(calls.closedClients).toBe(1);
  });

  it("leaves a sandbox it found by id running on close", async () => {
    const { launcher, calls } = fakeLauncher({ sandboxId: "sb-users" });
    expect(await useOnceAndClose(launcher)).toEqual(["echo:hi"]);
    expect(calls.created).toEqual([]);
    expect(calls.terminated).toEqual([]);
  });
});

describe("Modal launcher before any network call", () => {
  it("names the token variables that are missing, and creates no client", async () => {
    const saved = { ...process.env };
    delete process.env["MODAL_TOKEN_ID"];
    delete process.env["MODAL_TOKEN_SECRET"];
    process.env["MODAL_CONFIG_PATH"] = "/nonexistent/modal.toml";
    try {
      const fake = fakeModal();
      launcher = modalLauncher({ sdk: fake.sdk }, { argv: ECHO_ARGV });
      const error = await launcher.launch(LIMITS).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MissingCredentialsError);
      expect((error as MissingCredentialsError).variables).toEqual(["MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET"]);
      expect((error as Error).message).toContain("set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET");
      expect(fake.calls.clients).toEqual([]);

      process.env["MODAL_TOKEN_ID"] = "ak-only-id";
      const partial = await modalLauncher({ sdk: fake.sdk }, { argv: ECHO_ARGV })
        .launch(LIMITS)
        .catch((caught: unknown) => caught);
      expect((partial as MissingCredentialsError).variables).toEqual(["MODAL_TOKEN_SECRET"]);
    } finally {
      process.env = saved;
    }
  });

  it("gives the exact, pinned npm install line when the SDK is not installed", async () => {
    expect(MODAL_PACKAGE.installCommand).toBe("npm install modal@0.11.1");
    const error = await importOptional({ ...MODAL_PACKAGE, specifier: "modal-not-installed-here" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingPackageError);
    expect((error as Error).message).toMatch(/Install it beside codeagent: npm install modal@0\.11\.1$/);
  });
});
