/**
 * A {@link SandboxChannel} over any byte or text stream: the transport hands it what arrives
 * (`push`) and tells it when the stream is gone (`end`); it frames messages as lines, holds early
 * messages until a receiver is set, and bounds the length of a line. Every stream-shaped channel
 * (a child process, a container's exec stream, a vendor's process stream) is one of these plus the
 * few lines that wire its stream in.
 */
import { LineSplitter } from "../line-splitter.js";
import type { ChannelEnd, SandboxChannel } from "./sandbox-channel.js";

/** The longest line accepted until {@link SandboxChannel.limitMessageLength} says otherwise. */
export const DEFAULT_MAX_MESSAGE_CHARS = 8 * 1024 * 1024;

/** What a transport gives a {@link LineChannel}. */
export interface LineTransport {
  /** Writes text to the sandbox's input. */
  write(text: string): void;
  /** Ends the sandbox (kills the process, closes the stream); the transport then calls `end`. */
  kill(): void;
  /** Interrupts by a path outside the stream (a signal), if the transport has one. */
  interrupt?(): void;
  /** The host waits on the sandbox (`true`) or not: hold the event loop, watch memory. */
  setActive?(active: boolean): void;
  /** What the sandbox is called in messages: "The Python process", "The container". Default "The sandbox". */
  label?: string;
}

/** A line-framed channel over a transport; see the module comment. */
export class LineChannel implements SandboxChannel {
  readonly ended: Promise<ChannelEnd>;
  readonly interrupt?: () => void;
  readonly setActive?: (active: boolean) => void;
  private markEnded!: (end: ChannelEnd) => void;
  private finished: ChannelEnd | undefined;
  private closeReason: string | undefined;
  private onMessage: ((message: string) => void) | undefined;
  private waiting: string[] = [];
  private readonly lines: LineSplitter;

  constructor(private readonly transport: LineTransport) {
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    this.lines = new LineSplitter({
      maxLineLength: DEFAULT_MAX_MESSAGE_CHARS,
      onLine: (line) => this.deliver(line),
      onOverflow: (length) => this.close(`sent a message of over ${length.toLocaleString("en-US")} characters, past the protocol's limit`),
    });
    if (transport.interrupt) this.interrupt = () => this.finished === undefined && transport.interrupt!();
    if (transport.setActive) this.setActive = (active) => transport.setActive!(active);
  }

  /** Whether the other side is gone. */
  get isEnded(): boolean {
    return this.finished !== undefined;
  }

  send(message: string): void {
    if (this.finished === undefined && this.closeReason === undefined) this.transport.write(`${message}\n`);
  }

  receive(onMessage: (message: string) => void): void {
    this.onMessage = onMessage;
    const waiting = this.waiting;
    this.waiting = [];
    for (const message of waiting) if (this.finished === undefined) onMessage(message);
  }

  close(reason: string): void {
    if (this.finished !== undefined || this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.transport.kill();
  }

  limitMessageLength(maxChars: number): void {
    this.lines.setMaxLineLength(maxChars);
  }

  /** For the transport: text from the sandbox's output. */
  push(chunk: string): void {
    if (this.finished === undefined) this.lines.push(chunk);
  }

  /**
   * For the transport: the stream is gone, with what it knows (`reason` completes "The sandbox
   * ...": "exited with code 1"). A reason given to `close` first wins: the host ended it, and that
   * is what the user needs to hear.
   */
  end(reason: string, error?: Error): void {
    if (this.finished !== undefined) return;
    const said = `${this.transport.label ?? "The sandbox"} ${this.closeReason ?? reason}`;
    this.finished = error === undefined ? { reason: said } : { reason: said, error };
    this.waiting = [];
    this.markEnded(this.finished);
  }

  private deliver(line: string): void {
    if (this.closeReason !== undefined) return;
    if (this.onMessage === undefined) this.waiting.push(line);
    else this.onMessage(line);
  }
}
