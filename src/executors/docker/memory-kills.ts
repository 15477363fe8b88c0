/**
 * Whether the kernel ended a process in a container for going over its memory limit: the engine
 * records an `oom` event for the container each time. A process that died of a SIGKILL the host
 * did not send is reported as a memory error only when such an event is new; the code killing
 * itself is not. Asked through the engine, not by starting a process in a container that has
 * just run out of memory.
 */
import type Dockerode from "dockerode";

/** How long the engine may take to record the event after the process is gone. */
const EVENT_WAIT_MS = 1000;
const EVENT_POLL_MS = 100;

/** The `oom` events a container has had; remembers which were already counted. */
export class MemoryKillEvents {
  private counted = 0;

  constructor(
    private readonly docker: Dockerode,
    private readonly containerId: string,
    private readonly since: number = Math.floor(Date.now() / 1000) - 1,
  ) {}

  /** Whether an `oom` event not counted before has come (waiting up to a second for the engine to record it). */
  async consumeNew(): Promise<boolean> {
    const deadline = Date.now() + EVENT_WAIT_MS;
    for (;;) {
      const total = await this.count();
      if (total > this.counted) {
        this.counted = total;
        return true;
      }
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, EVENT_POLL_MS));
    }
  }

  /** The container's `oom` events so far. */
  private async count(): Promise<number> {
    const stream = await this.docker.getEvents({
      since: this.since,
      // `until` (now) makes the engine answer with what it has and end the stream, instead of following it.
      until: Date.now() / 1000,
      filters: { container: [this.containerId], event: ["oom"] },
    });
    let text = "";
    for await (const chunk of stream) text += String(chunk);
    return text.split("\n").filter((line) => line.includes('"oom"')).length;
  }
}
