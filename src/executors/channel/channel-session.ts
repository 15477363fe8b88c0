/**
 * The bridge protocol over a {@link SandboxChannel}: a {@link SandboxSession} whose lines travel on
 * the channel. An interrupt is a message naming the run it is meant for, so one that arrives late
 * cannot stop the next run; a channel with a faster path (a signal) also takes it, as a wake-up.
 * The runtime writes only token lines once it is ready: any other line then is a protocol break.
 */
import { AgentConfigurationError, SandboxMemoryError } from "../../errors.js";
import { SandboxSession } from "./bridge-session.js";
import type { SandboxLauncher, SandboxLimits } from "./channel-executor.js";
import type { SandboxChannel } from "./sandbox-channel.js";

/** A session over a channel; see the module comment. */
export class ChannelSession extends SandboxSession {
  private endReason: string | undefined;
  private started = false;

  /**
   * Speaks the protocol on `channel`. `hello`, when given, makes the first line the sandbox reads
   * (for CPython: the runtime itself and the token, see python-command.ts).
   */
  constructor(
    private readonly channel: SandboxChannel,
    hello?: (token: string) => string,
  ) {
    super();
    // A runtime in threads (CPython) may have a tool call open per thread.
    this.maxOpenToolCalls = 64;
    void this.ready.then(() => (this.started = true), () => undefined);
    channel.receive((line) => {
      if (line.startsWith(this.token)) this.receive(line.slice(this.token.length));
      // Before ready, a login shell or the platform may print; after it, only the runtime writes.
      else if (this.started) this.kill("broke the protocol: it wrote a line without its token");
    });
    void channel.ended.then((end) => {
      if (end.error instanceof SandboxMemoryError) this.memoryError = end.error;
      this.endReason = end.reason;
      this.markEnded(end.reason);
    });
    if (hello) channel.send(hello(this.token));
    this.setWorking(false);
  }

  get pid(): number | undefined {
    return undefined;
  }

  override limitLineLength(maxLineLength: number): void {
    super.limitLineLength(maxLineLength);
    this.channel.limitMessageLength(maxLineLength + this.token.length);
  }

  protected sendLine(line: string): void {
    this.channel.send(line);
  }

  protected signalInterrupt(): void {
    this.channel.send(JSON.stringify({ type: "interrupt", run: this.latestRequestId }));
    this.channel.interrupt?.();
  }

  /** A runtime that says why it cannot start (Python too old) needs the user, not a restart. */
  protected override startupError(message: string): Error {
    return new AgentConfigurationError(`The sandbox's Python cannot run the runtime: it ${message}. Use an interpreter or image with Python 3.9 or newer.`);
  }

  protected terminate(): void {
    this.channel.close(this.exitReason ?? "was ended by the host");
  }

  protected setWorking(working: boolean): void {
    this.channel.setActive?.(working);
  }

  protected describeExit(): string {
    return this.endReason ?? `The sandbox ${this.exitReason ?? "stopped"}`;
  }
}

/** A fresh interpreter from `launcher`, with a session over its channel (the hello sent first). */
export async function launchSession(launcher: SandboxLauncher, limits: SandboxLimits): Promise<ChannelSession> {
  return new ChannelSession(await launcher.launch(limits), launcher.hello?.bind(launcher));
}
