/**
 * The Docker sandbox container against a real engine (see `.ci/run`): an exec is a channel that
 * carries lines both ways, execs are independent (one killed, the next one fine), the lockdown
 * holds when looked at from inside, and no container outlives close(), its host's exit or its
 * host's SIGKILL. The image is Debian's python3, built here by `scripts/docker-python-image.sh`.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:net";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { MissingPackageError, SandboxMemoryError } from "../src/errors.js";
import { DockerEngineUnavailableError, DockerImageMissingError } from "../src/executors/docker/docker-errors.js";
import { RUNTIME_HEADROOM_MB, SANDBOX_LABEL } from "../src/executors/docker/container-config.js";
import { DockerSandboxContainer } from "../src/executors/docker/docker-sandbox-container.js";
import { importDockerode, loadDockerode } from "../src/executors/docker/load-dockerode.js";
import { removeUnstartedContainers, UNSTARTED_GRACE_MS } from "../src/executors/docker/unstarted-containers.js";
import { containersLabelled, hostAddresses, runPython, waitForNoContainers } from "./support/docker-containers.js";
import { ensurePythonImage } from "./support/docker-image.js";

const run = randomUUID();
const label = `codeagent.test=${run}`;
let image = "";
let container: DockerSandboxContainer;

beforeAll(async () => {
  image = await ensurePythonImage();
  container = await DockerSandboxContainer.start({ image, memoryLimitMb: 64, pidsLimit: 32, labels: { "codeagent.test": run } });
}, 600_000);

afterAll(async () => {
  await container?.close();
});

const ECHO_LOOP = "import sys\nfor line in sys.stdin:\n    print('echo:' + line.strip(), flush=True)";

describe("an exec is a channel", () => {
  test("lines sent to a python3 echo loop come back, in order", async () => {
    const channel = await container.exec(["python3", "-u", "-c", ECHO_LOOP]);
    const lines: string[] = [];
    const three = new Promise<void>((resolve) =>
      channel.receive((line) => {
        lines.push(line);
        if (lines.length === 3) resolve();
      }),
    );
    for (const word of ["one", "two", "three"]) channel.send(word);
    await three;
    expect(lines).toEqual(["echo:one", "echo:two", "echo:three"]);
    channel.close("was closed by the test");
    expect((await channel.ended).reason).toBe("The process in the sandbox container was closed by the test");
  });

  test("a process that exits says its code and the end of its stderr", async () => {
    const { end } = await runPython(container, "import sys\nsys.stderr.write('something broke\\n')\nsys.exit(3)");
    expect(end.reason).toBe("The process in the sandbox container exited with code 3: something broke");
  });

  test("a killed exec ends with a reason, takes what it started with it, and the next exec works", async () => {
    const busy = await container.exec(["python3", "-u", "-c", "import subprocess\nsubprocess.Popen(['sleep', '1000'])\nprint('started', flush=True)\nwhile True: pass"]);
    const started = new Promise<void>((resolve) => busy.receive(() => resolve()));
    await started;
    busy.close("was stopped by the test");
    expect((await busy.ended).reason).toBe("The process in the sandbox container was stopped by the test");
    const { lines, end } = await runPython(container, "import os\nprint(sum(1 for pid in os.listdir('/proc') if pid.isdigit() and open(f'/proc/{pid}/cmdline').read().startswith('sleep')))");
    expect(end.reason).toBe("The process in the sandbox container exited with code 0");
    expect(lines).toEqual(["0"]);
  });

  test("an interrupt reaches the running code as KeyboardInterrupt", async () => {
    const channel = await container.exec(["python3", "-u", "-c", "try:\n    print('ready', flush=True)\n    n = 0\n    while True: n += 1\nexcept KeyboardInterrupt:\n    print('interrupted', flush=True)"]);
    const lines: string[] = [];
    const ready = new Promise<void>((resolve) => channel.receive((line) => (lines.push(line), resolve())));
    await ready;
    channel.interrupt?.();
    const end = await channel.ended;
    expect([lines, end.reason]).toEqual([["ready", "interrupted"], "The process in the sandbox container exited with code 0"]);
  });
});

describe("the lockdown, seen from inside", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    // The probes hang up at once; a reset is expected, not an error.
    server = createServer((socket) => socket.on("error", () => undefined).end("reached\n"));
    await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const connectEach = (addresses: string[]) =>
    `import socket\nfor address in ${JSON.stringify(addresses)}:\n    try:\n        socket.create_connection((address, ${port}), timeout=3).close()\n        print(address, 'reached', flush=True)\n    except OSError as error:\n        print(address, 'refused', type(error).__name__, flush=True)`;

  test("no network: the host's listeners on 127.0.0.1 and on each of its addresses cannot be reached, and names do not resolve", async () => {
    const addresses = hostAddresses();
    expect(addresses.length).toBeGreaterThan(1);
    const { lines } = await runPython(container, connectEach(addresses));
    expect(lines).toHaveLength(addresses.length);
    for (const line of lines) expect(line).toMatch(/ refused /);
    const dns = await runPython(container, "import socket\ntry:\n    socket.getaddrinfo('deb.debian.org', 80)\n    print('resolved')\nexcept OSError:\n    print('no name resolution')");
    expect(dns.lines).toEqual(["no name resolution"]);
  });

  test("the same probe reaches the host from a container given the network (so the check above can fail)", async () => {
    const networked = await DockerSandboxContainer.start({ image, network: true, labels: { "codeagent.test": run } });
    try {
      const gateway = hostAddresses().filter((address) => address.startsWith("172.17."));
      expect(gateway).not.toEqual([]);
      const { lines } = await runPython(networked, connectEach(gateway));
      expect(lines).toEqual([`${gateway[0]} reached`]);
    } finally {
      await networked.close();
    }
  });

  test("the root file system is read-only; /work and /tmp are writable and size-limited", async () => {
    const code = [
      "import os",
      "for path in ['/etc/escape', '/usr/lib/escape', '/escape']:",
      "    try:",
      "        open(path, 'w').write('x')",
      "        print(path, 'written')",
      "    except OSError as error:",
      "        print(path, error.strerror)",
      "for folder in ['/work', '/tmp']:",
      "    open(folder + '/small', 'wb').write(b'x' * 1024 * 1024)",
      "    try:",
      "        with open(folder + '/big', 'wb') as big:",
      "            for _ in range(100): big.write(b'x' * 1024 * 1024)",
      "        print(folder, 'took 100 MB')",
      "    except OSError as error:",
      "        print(folder, 'small ok, big:', error.strerror)",
      "    os.remove(folder + '/big')",
      "print(os.getcwd())",
    ].join("\n");
    const { lines } = await runPython(container, code);
    expect(lines).toEqual([
      "/etc/escape Read-only file system",
      "/usr/lib/escape Read-only file system",
      "/escape Read-only file system",
      "/work small ok, big: No space left on device",
      "/tmp small ok, big: No space left on device",
      "/work",
    ]);
  });

  test("the code runs as a non-root user with no capabilities and no way to gain privileges", async () => {
    const code =
      "import os\nprint(os.getuid(), os.getgid())\nfor line in open('/proc/self/status'):\n    if line.startswith(('CapEff', 'CapPrm', 'CapBnd', 'NoNewPrivs')): print(' '.join(line.split()))";
    const { lines } = await runPython(container, code);
    expect(lines).toEqual(["65534 65534", "CapPrm: 0000000000000000", "CapEff: 0000000000000000", "CapBnd: 0000000000000000", "NoNewPrivs: 1"]);
  });

  test("the container's cgroup carries the memory, CPU and pid limits (no swap), and thread pools fit the CPU limit", async () => {
    const limited = await DockerSandboxContainer.start({ image, memoryLimitMb: 100, cpus: 0.5, pidsLimit: 20, labels: { "codeagent.test": run } });
    try {
      // cgroup v2 files first, then v1's.
      const code = [
        "def first(*paths):",
        "    for path in paths:",
        "        try: return open(path).read().split()",
        "        except OSError: pass",
        "print(first('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes')[0])",
        "print(first('/sys/fs/cgroup/memory.swap.max', '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes')[0])",
        "print(' '.join(first('/sys/fs/cgroup/cpu.max') or first('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') + first('/sys/fs/cgroup/cpu/cpu.cfs_period_us')))",
        "print(first('/sys/fs/cgroup/pids.max', '/sys/fs/cgroup/pids/pids.max')[0])",
        "import os",
        "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])",
      ].join("\n");
      const { lines } = await runPython(limited, code);
      const bytes = (100 + RUNTIME_HEADROOM_MB) * 1024 * 1024;
      expect(lines[0]).toBe(String(bytes));
      // v2 counts swap apart (0 allowed); v1 counts memory and swap together (equal: no swap).
      expect(["0", String(bytes)]).toContain(lines[1]);
      expect(lines[2]).toBe("50000 100000");
      expect(lines[3]).toBe("20");
      // numpy's thread pools sized to the CPU limit, not to the host's cores.
      expect(lines[4]).toBe("1 1");
    } finally {
      await limited.close();
    }
  });

  test("the pid limit stops a fork bomb, and killing it frees the container for the next exec", async () => {
    const code = [
      "import os, time",
      "forked = 0",
      "try:",
      "    while True:",
      "        if os.fork() == 0:",
      "            time.sleep(1000)",
      "            os._exit(0)",
      "        forked += 1",
      "except OSError as error:",
      "    print('stopped after', forked, type(error).__name__, flush=True)",
      "time.sleep(1000)",
    ].join("\n");
    const bomb = await container.exec(["python3", "-u", "-c", code]);
    const line = await new Promise<string>((resolve) => bomb.receive(resolve));
    expect(line).toMatch(/^stopped after \d+ BlockingIOError$/);
    expect(Number(line.split(" ")[2])).toBeLessThan(32);
    bomb.close("was stopped by the test");
    await bomb.ended;
    const { lines } = await runPython(container, "print('fine')");
    expect(lines).toEqual(["fine"]);
  });

  test("the memory limit ends a big allocation with a memory error, and the next exec works", async () => {
    const { end } = await runPython(container, "data = b'x' * (600 * 1024 * 1024)\nprint(len(data))");
    expect(end.reason).toBe("The process in the sandbox container went over the container's memory limit and was ended");
    expect(end.error).toBeInstanceOf(SandboxMemoryError);
    expect(end.error?.message).toMatch(/memory limit and its process was ended \(memoryLimitMb 64 plus 192 MB for Python itself and the container\)/);
    const { lines } = await runPython(container, "print('fine')");
    expect(lines).toEqual(["fine"]);
  });

  test("under a data limit, a big allocation is the code's MemoryError and the process lives on", async () => {
    const channel = await container.exec(["python3", "-u", "-c", "try:\n    data = b'x' * (600 * 1024 * 1024)\nexcept MemoryError:\n    print('MemoryError', flush=True)\nprint('alive', flush=True)"], {
      dataLimitMb: 32,
    });
    const lines: string[] = [];
    channel.receive((line) => lines.push(line));
    expect((await channel.ended).reason).toBe("The process in the sandbox container exited with code 0");
    expect(lines).toEqual(["MemoryError", "alive"]);
  });

  test("a process killed by a signal the code sent itself is not called a memory error", async () => {
    const { end } = await runPython(container, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)");
    expect(end.error).toBeUndefined();
    expect(end.reason).toBe("The process in the sandbox container was killed by signal 9");
  });
});

describe("no container is left behind", () => {
  test("close() removes the container at once, with an exec still running", async () => {
    const mine = `codeagent.test=${run}-close`;
    const closing = await DockerSandboxContainer.start({ image, labels: { "codeagent.test": `${run}-close` } });
    const busy = await closing.exec(["python3", "-c", "while True: pass"]);
    expect(await containersLabelled(mine)).toHaveLength(1);
    await closing.close();
    expect(await containersLabelled(mine)).toEqual([]);
    expect((await busy.ended).reason).toMatch(/^The process in the sandbox container /);
    await expect(closing.exec(["true"])).rejects.toThrow(/closed/);
  });

  test.each(["kill", "exit"])("a host that ends by %s leaves no container", async (how) => {
    const mine = `${run}-${how}`;
    const { stdout } = await promisify(execFile)("node_modules/.bin/vite-node", ["test/fixtures/docker-orphan-host.ts", image, how, mine], {
      timeout: 60_000,
    }).catch((error: { stdout: string }) => error); // the "kill" host dies by SIGKILL, by design
    expect(stdout.trim().split("\n").pop()).toMatch(/^[0-9a-f]{64}$/);
    expect(await waitForNoContainers(`codeagent.test=${mine}`)).toEqual([]);
  });

  test("a container a dead host created but never started is removed once it is old enough", async () => {
    const tag = `codeagent.test=${run}-unstarted`;
    await promisify(execFile)("docker", ["create", "--label", `${SANDBOX_LABEL}=1`, "--label", tag, image, "true"]);
    const docker = new (await loadDockerode())();
    const labels = [`${SANDBOX_LABEL}=1`, tag];
    expect(await removeUnstartedContainers(docker, UNSTARTED_GRACE_MS, labels)).toBe(0);
    expect(await containersLabelled(tag)).toHaveLength(1);
    // A second later it counts as left behind under a one-millisecond grace.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await removeUnstartedContainers(docker, 1, labels)).toBe(1);
    expect(await containersLabelled(tag)).toEqual([]);
  });

  test("every container this file started is gone once closed", async () => {
    await container.close();
    expect(await waitForNoContainers(label)).toEqual([]);
  });
});

describe("errors that say what to do", () => {
  test("an engine that is not running", async () => {
    const failure = DockerSandboxContainer.start({ image, connection: { socketPath: "/nonexistent/docker.sock" } });
    await expect(failure).rejects.toBeInstanceOf(DockerEngineUnavailableError);
    await expect(failure).rejects.toThrow(/not running.*sudo systemctl start docker/);
  });

  test("an image that is not on the engine", async () => {
    const failure = DockerSandboxContainer.start({ image: "codeagent-no-such-image:0" });
    await expect(failure).rejects.toBeInstanceOf(DockerImageMissingError);
    await expect(failure).rejects.toThrow("Run `docker pull codeagent-no-such-image:0` (or build it)");
  });

  test("dockerode not installed", async () => {
    const failure = importDockerode("dockerode-that-is-not-installed");
    await expect(failure).rejects.toBeInstanceOf(MissingPackageError);
    await expect(failure).rejects.toThrow("npm install dockerode");
  });
});
