import type { AgentMemory } from "./agent-memory.js";

/**
 * Decides whether a final answer is acceptable. Return `true` (or nothing) to accept; `false` or
 * a string (the reason, shown to the model) to reject. A check that throws rejects with its message.
 */
export type FinalAnswerCheck = (answer: unknown, memory: AgentMemory) => boolean | string | void | Promise<boolean | string | void>;

/** Runs the checks in order; returns why the answer was rejected, or `undefined` when all accept. */
export async function checkFinalAnswer(checks: readonly FinalAnswerCheck[], answer: unknown, memory: AgentMemory): Promise<string | undefined> {
  for (const [index, check] of checks.entries()) {
    const name = check.name || `check ${index + 1}`;
    try {
      const verdict = await check(answer, memory);
      if (verdict === false) return `The final answer was rejected by ${name}. Check your answer against the task and try again.`;
      if (typeof verdict === "string") return `The final answer was rejected by ${name}: ${verdict}`;
    } catch (error) {
      return `The final answer was rejected by ${name}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return undefined;
}
