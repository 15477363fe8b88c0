import { describe, expect, it, vi } from "vitest";
import { z } from "zod";

import { ToolArgumentError, ToolExecutionError } from "../errors.js";
import type { ToolInvocation } from "./bind-arguments.js";
import { invokeTool } from "./invoke-tool.js";
import { tool, toolFromJsonSchema, type Tool } from "./tool.js";

const getWeather = tool({
  name: "get_weather",
  description: "Current weather for a city.",
  inputSchema: z.object({
    city: z.string(),
    unit: z.enum(["c", "f"]).default("c"),
  }),
  outputSchema: z.string(),
  execute: async ({ city, unit }) => `Sunny in ${city} (${unit})`,
});

const bookTrip = tool({
  name: "book_trip",
  description: "Books a trip.",
  inputSchema: z.object({
    nights: z.number().int().min(1),
    name: z.string().min(2, "give the full name"),
    address: z.object({ street: z.string(), zip: z.string() }).optional(),
    travellers: z.array(z.object({ age: z.number().int() })).optional(),
    budget: z.union([z.number(), z.literal("unlimited")]).optional(),
    email: z.email().optional(),
    code: z.string().regex(/^[A-Z]{3}$/).optional(),
  }),
  execute: (args) => args,
});

async function failure(target: Tool, invocation: ToolInvocation): Promise<Error> {
  try {
    await invokeTool(target, invocation);
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

async function argumentMessage(target: Tool, invocation: ToolInvocation): Promise<string> {
  const error = await failure(target, invocation);
  expect(error).toBeInstanceOf(ToolArgumentError);
  return error.message;
}

describe("invokeTool", () => {
  it("runs execute with validated arguments, defaults applied", async () => {
    await expect(invokeTool(getWeather, { args: ["Paris"], kwargs: {} })).resolves.toBe("Sunny in Paris (c)");
    await expect(invokeTool(getWeather, { args: [], kwargs: { city: "Oslo", unit: "f" } })).resolves.toBe(
      "Sunny in Oslo (f)",
    );
    await expect(invokeTool(getWeather, { args: [{ city: "Rome" }], kwargs: {} })).resolves.toBe("Sunny in Rome (c)");
  });

  it("passes the context to execute", async () => {
    const execute = vi.fn(() => "ok");
    const probe = tool({ name: "probe", description: "Probe.", inputSchema: z.object({}), execute });
    const controller = new AbortController();
    await invokeTool(probe, { args: [], kwargs: {} }, { signal: controller.signal });
    expect(execute).toHaveBeenCalledWith({}, { signal: controller.signal });
  });

  it("names the argument, the expected type and the received type", async () => {
    expect(await argumentMessage(getWeather, { args: [42], kwargs: {} })).toBe(
      "get_weather() argument 'city': expected str, got int",
    );
    expect(await argumentMessage(getWeather, { args: [["Paris"]], kwargs: {} })).toBe(
      "get_weather() argument 'city': expected str, got list",
    );
    expect(await argumentMessage(getWeather, { args: ["Paris", "k"], kwargs: {} })).toBe(
      "get_weather() argument 'unit': expected one of \"c\", \"f\", got \"k\"",
    );
  });

  it("uses JavaScript words for JavaScript callers", async () => {
    expect(await argumentMessage(getWeather, { args: [42], kwargs: {}, language: "javascript" })).toBe(
      "get_weather() argument 'city': expected string, got number",
    );
  });

  it("reports signature errors before schema errors", async () => {
    expect(await argumentMessage(getWeather, { args: [], kwargs: {} })).toBe(
      "get_weather() missing required argument: 'city'",
    );
    expect(await argumentMessage(getWeather, { args: [], kwargs: { town: "Paris" } })).toMatch(
      /^get_weather\(\) got an unexpected keyword argument 'town'/,
    );
  });

  it("reports every problem, with nested paths, one per line", async () => {
    const message = await argumentMessage(bookTrip, {
      args: [0, "A"],
      kwargs: {
        address: { street: 5 },
        travellers: [{ age: 30 }, { age: 1.5 }],
        budget: "lots",
        email: "nobody",
        code: "abc",
      },
    });
    expect(message.split("\n")).toEqual([
      "book_trip() argument 'nights': expected a number >= 1, got 0",
      "book_trip() argument 'name': give the full name",
      "book_trip() argument 'address[\"street\"]': expected str, got int",
      "book_trip() argument 'address': missing required key \"zip\"",
      "book_trip() argument 'travellers[1][\"age\"]': expected int, got float",
      "book_trip() argument 'budget': expected float | \"unlimited\", got str",
      "book_trip() argument 'email': expected a str in email format, got \"nobody\"",
      "book_trip() argument 'code': expected a str matching /^[A-Z]{3}$/, got \"abc\"",
    ]);
  });

  it("wraps a throw from execute in a ToolExecutionError carrying only the message", async () => {
    const cause = new Error("Service unavailable");
    const broken = tool({
      name: "broken",
      description: "Fails.",
      inputSchema: z.object({}),
      execute: () => {
        throw cause;
      },
    });
    const error = await failure(broken, { args: [], kwargs: {} });
    expect(error).toBeInstanceOf(ToolExecutionError);
    expect(error.message).toBe("Service unavailable");
    expect((error as ToolExecutionError).toolName).toBe("broken");
    expect(error.cause).toBe(cause);

    const rejecting = tool({ name: "rejecting", description: "Fails.", inputSchema: z.object({}), execute: () => Promise.reject("plain text") });
    expect((await failure(rejecting, { args: [], kwargs: {} })).message).toBe("plain text");
  });

  it("rethrows the abort reason instead of blaming the tool", async () => {
    const controller = new AbortController();
    const reason = new Error("run cancelled");
    const slow = tool({
      name: "slow",
      description: "Slow.",
      inputSchema: z.object({}),
      execute: () => {
        controller.abort(reason);
        throw new Error("aborted inside");
      },
    });
    await expect(invokeTool(slow, { args: [], kwargs: {} }, { signal: controller.signal })).rejects.toBe(reason);
    await expect(invokeTool(slow, { args: [], kwargs: {} }, { signal: controller.signal })).rejects.toBe(reason);
  });

  it("validates the result against outputSchema and returns the parsed value", async () => {
    const counting = tool({
      name: "count",
      description: "Counts.",
      inputSchema: z.object({ text: z.string() }),
      outputSchema: z.object({ words: z.number(), extra: z.string().optional() }),
      execute: ({ text }) => ({ words: text.split(" ").length, ignored: true }) as { words: number },
    });
    await expect(invokeTool(counting, { args: ["a b"], kwargs: {} })).resolves.toEqual({ words: 2 });

    const lying = tool({
      name: "lying",
      description: "Returns the wrong type.",
      inputSchema: z.object({}),
      outputSchema: z.string(),
      execute: () => 42 as unknown as string,
    });
    const error = await failure(lying, { args: [], kwargs: {} });
    expect(error).toBeInstanceOf(ToolExecutionError);
    expect(error.message).toBe(
      "lying() returned a value that does not match its declared output type (str): expected str, got int. " +
        "The returned value was 42. This is a bug in the tool, not in the calling code.",
    );
  });

  it("checks only the signature of a JSON Schema tool and passes the arguments through", async () => {
    const echo = toolFromJsonSchema({
      name: "echo",
      description: "Echo.",
      parameters: { type: "object", properties: { text: { type: "string" }, times: { type: "integer" } }, required: ["text"] },
      execute: (args) => args,
    });
    await expect(invokeTool(echo, { args: [5], kwargs: {} })).resolves.toEqual({ text: 5 });
    expect(await argumentMessage(echo, { args: [], kwargs: { times: 2 } })).toBe("echo() missing required argument: 'text'");
  });
});
