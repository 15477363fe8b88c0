/**
 * The bridge protocol over a {@link SandboxChannel}: a {@link SandboxSession} whose lines travel on
 * the channel. An interrupt takes the channel's own path when it has one (a signal), else it is a
 * message naming the run it is meant for, so one that arrives late cannot stop the next run.
 */
import { SandboxMemoryError } from "../../errors.js";
import { SandboxSession } from "./bridge-session.js";
import type { SandboxChannel } from "./sandbox-channel.js";

/** A session over a channel; see the module comment. */
export class ChannelSession extends SandboxSession {
  private endReason: string | undefined;

  /**
   * Speaks the protocol on `channel`. `hello`, when given, makes the first line the sandbox reads
   * (for CPython: the runtime itself and the token, see python-command.ts).
   */
  constructor(
    private readonly channel: SandboxChannel,
    hello?: (token: string) => string,
  ) {
    super();
    channel.receive((line) => {
      if (line.startsWith(this.token)) this.receive(line.slice(this.token.length));
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
    if (this.channel.interrupt) this.channel.interrupt();
    else this.channel.send(JSON.stringify({ type: "interrupt", run: this.latestRequestId }));
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
