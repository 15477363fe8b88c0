/**
 * The channel over a vendor's process API, at its seam: writes reach the process in the order sent
 * even when each is a slow request, output before the process is attached is kept, and a kill the
 * vendor never confirms still ends the channel.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

import { RemoteProcessChannel, type RemoteProcess } from "../src/executors/remote/remote-process-channel.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("RemoteProcessChannel", () => {
  it("sends writes one after another, in order, however long each request takes", async () => {
    const channel = new RemoteProcessChannel("The test process");
    const arrived: string[] = [];
    let inFlight = 0;
    const process: RemoteProcess = {
      write: async (text) => {
        inFlight += 1;
        expect(inFlight).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, text.startsWith("slow") ? 30 : 1));
        arrived.push(text);
        inFlight -= 1;
      },
      kill: async () => undefined,
    };
    channel.send("slow one");
    channel.send("two");
    channel.attach(process);
    channel.send("three");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(arrived).toEqual(["slow one\n", "two\n", "three\n"]);
  });

  it("keeps output that arrives before the process is attached", async () => {
    const channel = new RemoteProcessChannel("The test process");
    channel.output.stdout("early\nla");
    channel.output.stdout("te\n");
    const received: string[] = [];
    channel.receive((message) => received.push(message));
    expect(received).toEqual(["early", "late"]);
  });

  it("ends the channel after a write the vendor refuses, saying why", async () => {
    const channel = new RemoteProcessChannel("The test process");
    channel.attach({ write: async () => Promise.reject(new Error("sandbox not found")), kill: async () => undefined });
    channel.send("hello");
    vi.useFakeTimers();
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await channel.ended).reason).toBe("The test process could not be written to (sandbox not found)");
  });

  it("ends the channel when the vendor never confirms a kill", async () => {
    vi.useFakeTimers();
    const channel = new RemoteProcessChannel("The test process");
    let killed = false;
    channel.attach({ write: async () => undefined, kill: async () => void (killed = true) });
    channel.close("was reset");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(killed).toBe(true);
    expect((await channel.ended).reason).toBe("The test process was reset");
  });

  it("says how the process ended, with the last lines of its stderr", async () => {
    const channel = new RemoteProcessChannel("The test process");
    channel.output.stderr("Traceback\n  line 1\n\nValueError: bad\n");
    channel.output.exited("exited with code 1");
    expect((await channel.ended).reason).toBe("The test process exited with code 1: Traceback | line 1 | ValueError: bad");
  });
});
