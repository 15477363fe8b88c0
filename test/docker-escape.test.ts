/**
 * Hostile Python against DockerExecutor, with every import allowed: in Docker the import list is a
 * convenience and the container is the boundary, so each probe goes straight for the host (its
 * files, its environment, its network, its processes) or for the sandbox's own machinery (the
 * container's control loop, its main process) and the assertions check on the host side that
 * nothing got through, that the run ends with an honest error, and that the next run works in a
 * fresh container, with none left behind.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { DockerExecutor, type DockerExecutorOptions } from "../src/executors/docker/docker-executor.js";
import { containersLabelled, hostAddresses, waitForNoContainers } from "./support/docker-containers.js";
import { ensurePythonImage } from "./support/docker-image.js";

const FILE_SECRET = `file-secret-${randomBytes(16).toString("hex")}`;
const ENV_NAME = "CODEAGENT_DOCKER_ESCAPE_SECRET";
const ENV_SECRET = `env-secret-${randomBytes(16).toString("hex")}`;
process.env[ENV_NAME] = ENV_SECRET;
const TRAP_DIR = mkdtempSync(join(tmpdir(), "codeagent-docker-escape-"));
const SECRET_FILE = join(TRAP_DIR, "secret.txt");
writeFileSync(SECRET_FILE, `${FILE_SECRET}\n`);
const MARKER = join(TRAP_DIR, "marker");

const run = randomUUID();
const label = `codeagent.test=${run}`;
const serverHits: string[] = [];
let server: Server;
let port = 0;
const executors: DockerExecutor[] = [];
let image = "";

function make(options: DockerExecutorOptions = {}): DockerExecutor {
  const executor = new DockerExecutor({ image, authorizedImports: ["*"], timeoutMs: 20_000, labels: { "codeagent.test": run }, ...options });
  executors.push(executor);
  return executor;
}

beforeAll(async () => {
  image = await ensurePythonImage();
  server = createServer((request, response) => {
    serverHits.push(`${request.method} ${request.url}`);
    response.end(FILE_SECRET);
  });
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  port = (server.address() as { port: number }).port;
}, 600_000);

afterAll(async () => {
  await Promise.all(executors.map((executor) => executor.close()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(TRAP_DIR, { recursive: true, force: true });
  delete process.env[ENV_NAME];
});

/** Everything a run returned, as one text to search for secrets. */
const everything = (result: unknown) => JSON.stringify(result);

describe("hostile Python in the Docker sandbox reaches nothing of the host", () => {
  let executor: DockerExecutor;
  beforeAll(() => {
    executor = make();
  });

  test("numpy from the image works, and its values come back as plain numbers and lists", async () => {
    const result = await executor.run("import numpy as np\na = np.arange(6).reshape(2, 3)\n{'sum': a.sum(), 'columns': a.sum(axis=0)}");
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual({ sum: 15, columns: [3, 5, 7] });
  });

  test("the host's files are not there: the secret's path, the host's folders, and no host mount but the engine's own", async () => {
    const code = [
      "import os",
      `for path in [${JSON.stringify(SECRET_FILE)}, ${JSON.stringify(TRAP_DIR)}, '/var/run/docker.sock', '/run/docker.sock']:`,
      "    print(path, os.path.exists(path))",
      "try:",
      `    print(open(${JSON.stringify(SECRET_FILE)}).read())`,
      "except OSError as error:",
      "    print(type(error).__name__)",
      "mounts = [line.split()[3:5] for line in open('/proc/self/mountinfo')]",
      "print(sorted(root for root, _ in mounts if root.startswith('/var/lib/docker') or root.startswith('/home') or root.startswith('/tmp')))",
      "[target for _, target in mounts]",
    ].join("\n");
    const result = await executor.run(code);
    expect(result.error).toBeUndefined();
    const lines = result.logs.trim().split("\n");
    expect(lines.slice(0, 4)).toEqual([`${SECRET_FILE} False`, `${TRAP_DIR} False`, "/var/run/docker.sock False", "/run/docker.sock False"]);
    expect(lines[4]).toBe("FileNotFoundError");
    // The engine bind-mounts only the container's own hostname, hosts and resolv.conf files, read-only.
    for (const root of JSON.parse(lines[5]!.replaceAll("'", '"')) as string[]) expect(root).toMatch(/^\/var\/lib\/docker\/containers\/[0-9a-f]{64}\/(hostname|hosts|resolv\.conf)$/);
    expect(everything(result)).not.toContain(FILE_SECRET);
  });

  test("the host's environment is not there, in any process of the container", async () => {
    const code =
      "import os\nfound = []\nfor pid in os.listdir('/proc'):\n    if pid.isdigit():\n        try: found.append(open(f'/proc/{pid}/environ', 'rb').read().decode())\n        except OSError: pass\n" +
      "{'names': sorted(os.environ), 'environs': found}";
    const result = await executor.run(code);
    expect(result.error).toBeUndefined();
    expect((result.output as { environs: string[] }).environs.length).toBeGreaterThan(0);
    expect(everything(result)).not.toContain(ENV_SECRET);
    expect(everything(result)).not.toContain(ENV_NAME);
  });

  test("the host's network is not there: an HTTP server of the host on every one of its addresses", async () => {
    const addresses = hostAddresses();
    const code = [
      "import urllib.request",
      "outcomes = []",
      `for address in ${JSON.stringify(addresses)}:`,
      "    try:",
      `        outcomes.append(urllib.request.urlopen(f'http://{address}:${port}/leak', timeout=3).read().decode())`,
      "    except OSError as error:",
      "        outcomes.append(type(error).__name__)",
      "outcomes",
    ].join("\n");
    const result = await executor.run(code);
    expect(result.error).toBeUndefined();
    expect(result.output).toHaveLength(addresses.length);
    expect(everything(result)).not.toContain(FILE_SECRET);
    expect(serverHits).toEqual([]);
  });

  test("processes it starts run in the container, as nobody, and touch nothing of the host", async () => {
    const code = `import subprocess\nsubprocess.run(['touch', ${JSON.stringify(MARKER)}], capture_output=True).returncode, subprocess.run(['id', '-u'], capture_output=True, text=True).stdout.strip()`;
    const result = await executor.run(code);
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual([1, "65534"]);
    expect(existsSync(MARKER)).toBe(false);
    expect(readdirSync(TRAP_DIR)).toEqual(["secret.txt"]);
  });
});

describe("attacks on the sandbox's own machinery end the run honestly, and the next run works", () => {
  test("killing every process it can (the container's main process too) loses the state, and a fresh container takes over", async () => {
    const executor = make();
    await executor.run("kept = 1");
    const before = await containersLabelled(label);
    // kill(-1) spares the caller: the interpreter lives until its container goes down around it.
    await executor.run("import os, signal\nos.kill(-1, signal.SIGKILL)\nimport time\ntime.sleep(5)");
    const next = await executor.run("'kept' in globals()");
    expect(next).toMatchObject({ output: false });
    expect(next.error).toBeUndefined();
    expect(await containersLabelled(label)).toHaveLength(before.length);
  }, 60_000);

  test("code that ignores interrupts and freezes the control loop is still ended, with its container, and the next run works", async () => {
    // Nothing can stop this code, only end it: a short grace ends it 500 ms after its limit, not 5 s.
    const executor = make({ timeoutMs: 1_000, interruptGraceMs: 500 });
    await executor.run("kept = 1");
    const code = [
      "import os, signal",
      "control = [pid for pid in os.listdir('/proc') if pid.isdigit() and open(f'/proc/{pid}/cmdline', 'rb').read().startswith(b'sh\\0-c\\0while read')]",
      "os.kill(int(control[0]), signal.SIGSTOP)",
      // A native loop never returns to the interpreter, where an interrupt would be raised.
      "sum(range(10**15))",
    ].join("\n");
    const started = Date.now();
    const result = await executor.run(code);
    expect(result.error?.type).toBe("TimeoutError");
    expect(result.error?.message).toMatch(/everything defined in earlier runs is gone/);
    expect(Date.now() - started).toBeLessThan(30_000);
    const next = await executor.run("'kept' in globals()");
    expect(next).toMatchObject({ output: false });
  }, 60_000);

  test("once every executor is closed, no container of this file is left", async () => {
    await Promise.all(executors.map((executor) => executor.close()));
    expect(await waitForNoContainers(label)).toEqual([]);
  });
});
