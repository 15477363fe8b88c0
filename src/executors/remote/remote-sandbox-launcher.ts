/**
 * The lifecycle every vendor sandbox shares (E2B, Modal, Blaxel): one sandbox per executor, created
 * on the first launch and reused, each launch a new process in it (so a reset restarts the
 * interpreter, not the VM); a sandbox the vendor has already ended (its lifetime ran out) replaced
 * once; its lifetime pushed further out while the executor uses it, where the vendor allows; and
 * destroyed on close. A vendor brings only a {@link VendorSandbox}: how to create one, start a
 * process in it and destroy it.
 *
 * When the host exits without `close()`, the sandbox's destroy request is sent from a detached
 * process (`exit-reaper.ts`), where the vendor has a plain HTTP one; and in every case the
 * vendor's own lifetime, set short and renewed only while the executor uses the sandbox, ends it. An executor left open and unused loses its
 * sandbox the same way (the next run starts a fresh one and says the state was lost), and a host
 * that forgot `close()` is not held up by the sandbox's stream for longer than that.
 */
import { SandboxClosedError, SandboxError } from "../../errors.js";
import type { SandboxChannel } from "../channel/sandbox-channel.js";
import { cancelOnExit, destroyOnExit, type DestroyRequest } from "./exit-reaper.js";
import { type ProcessOutput, type RemoteProcess, RemoteProcessChannel } from "./remote-process-channel.js";

/** What the executor's limits are, as the launcher is told at each launch. */
export interface RemoteSandboxLimits {
  memoryLimitMb: number;
  timeoutMs: number;
}

/** One vendor sandbox, as its adapter drives it. */
export interface VendorSandbox {
  /** Starts `argv` as a new process in the sandbox under `limits`; what it does goes to `output`. */
  start(argv: readonly string[], output: ProcessOutput, limits: RemoteSandboxLimits): Promise<RemoteProcess>;
  /** Ends the sandbox and everything in it. */
  destroy(): Promise<void>;
  /** Renews the sandbox's lifetime on the vendor's side, where the vendor can. */
  renewLifetime?(): Promise<void>;
  /** The plain HTTP request that destroys the sandbox, where there is one: sent if the host exits first. */
  readonly destroyRequest?: DestroyRequest;
}

/** What each launch starts: the command line, and the first line the interpreter reads. */
export interface RemoteInterpreter {
  argv: readonly string[];
  hello?(token: string): string;
}

/** Options of a {@link RemoteSandboxLauncher}. */
export interface RemoteSandboxLauncherOptions {
  /** What the process is called in messages: "The E2B sandbox's process". */
  label: string;
  /** What each launch starts. */
  interpreter: RemoteInterpreter;
  /** Creates (or connects to) the sandbox; called on the first launch and after the vendor ended one. */
  create(limits: RemoteSandboxLimits): Promise<VendorSandbox>;
  /** How often to renew the sandbox's lifetime while the launcher is open (for `renewLifetime`). */
  renewEveryMs?: number;
}

/** The vendor's failure, as a sentence fragment. */
const said = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A launcher over one reused vendor sandbox; see the module comment. */
export class RemoteSandboxLauncher {
  readonly hello?: (token: string) => string;
  private sandbox: Promise<VendorSandbox> | undefined;
  private renewal: NodeJS.Timeout | undefined;
  private closed = false;
  /** When the host last sent to or waited on a process, and whether it is waiting now. */
  private lastUse = Date.now();
  private waiting = false;

  constructor(private readonly options: RemoteSandboxLauncherOptions) {
    if (options.interpreter.hello) this.hello = options.interpreter.hello;
  }

  /** A new process in the sandbox (created first if there is none) and the channel to it. */
  async launch(limits: RemoteSandboxLimits): Promise<SandboxChannel> {
    const sandbox = await this.current(limits);
    try {
      return await this.startIn(sandbox, limits);
    } catch (error) {
      if (this.closed) throw new SandboxClosedError();
      // The vendor may have ended the sandbox (its lifetime ran out): once more, in a new one.
      this.forget(sandbox);
      const fresh = await this.current(limits);
      try {
        return await this.startIn(fresh, limits);
      } catch (again) {
        throw new SandboxError(`${this.options.label} could not be started: ${said(again)} (before that: ${said(error)})`, { cause: again });
      }
    }
  }

  /** Destroys the sandbox. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.renewal);
    const sandbox = this.sandbox;
    this.sandbox = undefined;
    const created = await sandbox?.catch(() => undefined);
    if (created?.destroyRequest) cancelOnExit(created.destroyRequest);
    await created?.destroy();
  }

  private current(limits: RemoteSandboxLimits): Promise<VendorSandbox> {
    if (this.closed) return Promise.reject(new SandboxClosedError());
    if (this.sandbox === undefined) {
      const creating = this.options.create(limits);
      this.sandbox = creating;
      creating.then(
        (sandbox) => {
          if (sandbox.destroyRequest) destroyOnExit(sandbox.destroyRequest);
          this.keepAlive(sandbox);
        },
        () => {
          if (this.sandbox === creating) this.sandbox = undefined;
        },
      );
    }
    return this.sandbox;
  }

  private async startIn(sandbox: VendorSandbox, limits: RemoteSandboxLimits): Promise<SandboxChannel> {
    const channel = new RemoteProcessChannel(this.options.label, (waiting) => {
      this.lastUse = Date.now();
      this.waiting = waiting;
    });
    channel.attach(await sandbox.start(this.options.interpreter.argv, channel.output, limits));
    return channel;
  }

  /** Drops a sandbox that failed us, destroying it in the background in case it still runs. */
  private forget(sandbox: VendorSandbox): void {
    clearInterval(this.renewal);
    this.sandbox = undefined;
    if (sandbox.destroyRequest) cancelOnExit(sandbox.destroyRequest);
    sandbox.destroy().catch(() => undefined);
  }

  private keepAlive(sandbox: VendorSandbox): void {
    const every = this.options.renewEveryMs;
    if (sandbox.renewLifetime === undefined || every === undefined || this.closed) return;
    clearInterval(this.renewal);
    // Unreferenced: renewing the sandbox never keeps the host alive, and stops when the host stops.
    // Only a sandbox in use since the last renewal is renewed: an idle one runs out on its own.
    this.renewal = setInterval(() => {
      if (this.waiting || Date.now() - this.lastUse < every) void sandbox.renewLifetime!().catch(() => undefined);
    }, every);
    this.renewal.unref();
  }
}
