/**
 * The seam between the host and one sandbox, whatever carries it: a process's stdio, a worker
 * thread, a `docker exec` stream, a vendor's process stream. A channel moves messages (one line of
 * text each, without its newline) both ways and says once, with the reason, when the other side
 * is gone. It knows nothing of what the messages mean: that is the bridge protocol's job
 * (`bridge-protocol.ts`), spoken over it by `BridgeSession`.
 */

/** Why a channel's other side is gone. */
export interface ChannelEnd {
  /** What happened, as a sentence naming the sandbox: "The Python process exited with code 1". */
  reason: string;
  /**
   * The error the run that was in flight reports, when the transport knows better than "it
   * stopped": a `SandboxMemoryError` for a sandbox ended over its memory limit.
   */
  error?: Error;
}

/** One sandbox's message stream; see the module comment. */
export interface SandboxChannel {
  /** Sends one message (text without a newline). Ignored once the channel has ended. */
  send(message: string): void;
  /**
   * Sets the receiver of the sandbox's messages, once. Messages that arrive before it is set wait
   * for it, so nothing sent while the host was still setting up is lost.
   */
  receive(onMessage: (message: string) => void): void;
  /** Settles, once, when the other side is gone: it exited, crashed, broke the framing, or was closed. */
  readonly ended: Promise<ChannelEnd>;
  /**
   * Ends the sandbox now (kills its process or stream); `ended` follows with `reason`, which
   * completes "The sandbox ..." ("did not respond to an interrupt"). Safe to call twice.
   */
  close(reason: string): void;
  /**
   * The longest message the sandbox may send from now on; a longer one ends the channel before it
   * is held whole (the sandbox is untrusted).
   */
  limitMessageLength(maxChars: number): void;
  /**
   * Interrupts the running code by a path outside the message stream (a signal), where the
   * transport has one; without it the session sends an `interrupt` message.
   */
  interrupt?(): void;
  /**
   * Whether the host is waiting on the sandbox. While it is not, the channel should let the host's
   * event loop exit and may stop watching the sandbox's memory.
   */
  setActive?(active: boolean): void;
}
