import { spawn } from "node:child_process";
import { once } from "node:events";
import { expect, test } from "vitest";

import { KillOnExit, killWithGroup } from "./kill-on-exit.js";

/** A registry whose exit hook the test runs itself, with what it installed so far. */
function registryWithHook(): { registry: KillOnExit; exitHooks: (() => void)[] } {
  const exitHooks: (() => void)[] = [];
  return { registry: new KillOnExit((killAll) => exitHooks.push(killAll)), exitHooks };
}

test("the exit hook is installed with the first entry only, and kills what is still registered", () => {
  const { registry, exitHooks } = registryWithHook();
  expect(exitHooks).toHaveLength(0);
  const killed: string[] = [];
  registry.add(1, () => killed.push("first"));
  registry.add(2, () => {
    throw new Error("cannot be killed");
  });
  const key = {};
  registry.add(key, () => killed.push("third"));
  registry.add(4, () => killed.push("ended"));
  registry.delete(4);
  expect(exitHooks).toHaveLength(1);
  expect(registry.has(key)).toBe(true);
  expect(registry.has(4)).toBe(false);
  exitHooks[0]!();
  // One that throws spares none of the others; one deleted is left alone.
  expect(killed).toEqual(["first", "third"]);
});

test("a registered sandbox is killed at exit with what it started in its process group", async () => {
  // The child starts a grandchild that shares its stdout: the pipe closes only when both are gone.
  const script = `
    const { spawn } = require("node:child_process");
    spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "inherit", "ignore"] });
    process.stdout.write("started\\n");
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ["-e", script], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
  try {
    child.stdout.setEncoding("utf8");
    await once(child.stdout, "data");
    const { registry, exitHooks } = registryWithHook();
    registry.add(child, () => killWithGroup(child));
    const pipeClosed = once(child.stdout, "close");
    const exited = once(child, "exit");
    exitHooks[0]!();
    expect((await exited)[1]).toBe("SIGKILL");
    await pipeClosed;
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // Gone, as it should be.
    }
  }
});
