import { expect, test } from "vitest";

import { idleLimited } from "./idle-stream.js";

async function* pieces(delays: number[]): AsyncGenerator<number> {
  for (const [index, delay] of delays.entries()) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    yield index;
  }
}

test("a stream that keeps sending passes through whole", async () => {
  const seen: number[] = [];
  for await (const piece of idleLimited(pieces([5, 5, 5]), 200, () => new Error("idle"))) seen.push(piece);
  expect(seen).toEqual([0, 1, 2]);
});

test("a stream that goes silent ends with onIdle's error, once, and onIdle may abort the request", async () => {
  const controller = new AbortController();
  let calls = 0;
  const seen: number[] = [];
  const reading = (async () => {
    for await (const piece of idleLimited(pieces([5, 60_000]), 50, () => {
      calls++;
      controller.abort();
      return new Error("the stream went silent");
    })) {
      seen.push(piece);
    }
  })();
  await expect(reading).rejects.toThrow("the stream went silent");
  expect(seen).toEqual([0]);
  expect(calls).toBe(1);
  expect(controller.signal.aborted).toBe(true);
});

test("the source's own error passes through, and breaking out closes the source", async () => {
  async function* failing(): AsyncGenerator<number> {
    yield 1;
    throw new Error("broken stream");
  }
  await expect((async () => {
    for await (const _ of idleLimited(failing(), 1_000, () => new Error("idle"))) void _;
  })()).rejects.toThrow("broken stream");
  let closed = false;
  async function* endless(): AsyncGenerator<number> {
    try {
      for (let index = 0; ; index++) yield index;
    } finally {
      closed = true;
    }
  }
  for await (const piece of idleLimited(endless(), 1_000, () => new Error("idle"))) if (piece === 2) break;
  expect(closed).toBe(true);
});
