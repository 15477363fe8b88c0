/**
 * DockerExecutor's own promises beyond the executor contract, against a real engine: one container
 * per executor kept across runs and resets (a reset restarts the interpreter, not the container),
 * the memory limit as the code's MemoryError with the interpreter alive, errors that say what to
 * start or pull, and no container left once closed.
 */
import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { DockerEngineUnavailableError, DockerImageMissingError } from "../src/executors/docker/docker-errors.js";
import { DockerExecutor, type DockerExecutorOptions } from "../src/executors/docker/docker-executor.js";
import { containersLabelled, waitForNoContainers } from "./support/docker-containers.js";
import { ensurePythonImage } from "./support/docker-image.js";

const run = randomUUID();
const label = `codeagent.test=${run}`;
const executors: DockerExecutor[] = [];
let image = "";

function make(options: DockerExecutorOptions = {}): DockerExecutor {
  const executor = new DockerExecutor({ image, timeoutMs: 20_000, labels: { "codeagent.test": run }, ...options });
  executors.push(executor);
  return executor;
}

beforeAll(async () => {
  image = await ensurePythonImage();
}, 600_000);

afterAll(() => Promise.all(executors.map((executor) => executor.close())));

describe("DockerExecutor", () => {
  test("one container serves every run, and reset() restarts the interpreter in it, not the container", async () => {
    const executor = make({ authorizedImports: ["socket"] });
    await executor.run("kept = 1");
    const host = await executor.run("import socket\nsocket.gethostname()");
    expect(await containersLabelled(label)).toHaveLength(1);
    await executor.reset();
    expect(await executor.run("'kept' in globals()")).toMatchObject({ output: false });
    expect(await executor.run("import socket\nsocket.gethostname()")).toMatchObject({ output: host.output });
    expect(await containersLabelled(label)).toHaveLength(1);
    await executor.close();
    expect(await containersLabelled(label)).toEqual([]);
  });

  test("going over memoryLimitMb is the code's MemoryError, and the interpreter and its state live on", async () => {
    const executor = make({ memoryLimitMb: 64 });
    await executor.run("kept = 1");
    const result = await executor.run("blocks = []\nfor _ in range(100):\n    blocks.append(b'x' * (20 * 1024 * 1024))");
    expect(result.error?.type).toBe("MemoryError");
    expect(await executor.run("del blocks\nkept")).toMatchObject({ output: 1 });
  });

  test("an engine that is not running: the run fails with what to start", async () => {
    const executor = make({ connection: { socketPath: "/nonexistent/docker.sock" } });
    await expect(executor.run("1")).rejects.toBeInstanceOf(DockerEngineUnavailableError);
    await expect(executor.run("1")).rejects.toThrow(/sudo systemctl start docker/);
  });

  test("an image that is not there: the run fails with what to pull", async () => {
    const executor = make({ image: "codeagent-no-such-image:0" });
    await expect(executor.run("1")).rejects.toBeInstanceOf(DockerImageMissingError);
    await expect(executor.run("1")).rejects.toThrow("docker pull codeagent-no-such-image:0");
  });

  test("the prompt notes say whether the network is there", () => {
    expect(make().promptNotes).toMatch(/CPython process in a Docker sandbox.*It has no network access\. Files can be written only under \/work\./);
    expect(make({ network: true }).promptNotes).not.toMatch(/no network/);
  });

  test("no container of this file is left once every executor is closed", async () => {
    await Promise.all(executors.map((executor) => executor.close()));
    expect(await waitForNoContainers(label)).toEqual([]);
  });
});
