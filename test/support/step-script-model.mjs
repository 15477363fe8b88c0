/**
 * A model for durable-run tests whose reply depends only on the conversation it is sent: the task
 * and how many replies the conversation already holds. Any worker, in any process, gives a
 * resumed run the same next reply, as a real model given the same memory would try to.
 */
export class StepScriptModel {
  /**
   * @param {(task: string, replyIndex: number) => string} script the reply for the task's reply number `replyIndex` (0-based)
   * @param {{ delayMs?: number, fail?: (task: string) => boolean }} [options] a pause per call; tasks whose every call fails
   */
  constructor(script, options = {}) {
    this.modelId = "step-script";
    this.script = script;
    this.delayMs = options.delayMs ?? 0;
    this.fail = options.fail ?? (() => false);
    this.calls = 0;
  }

  async generate(messages, options) {
    this.calls++;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    options?.signal?.throwIfAborted();
    const textOf = (message) => (typeof message.content === "string" ? message.content : message.content.map((part) => part.text ?? "").join(""));
    const task = textOf(messages.find((message) => message.role === "user"));
    if (this.fail(task)) throw new Error("The model server answered 503 (scripted failure).");
    const replyIndex = messages.filter((message) => message.role === "assistant").length;
    return { role: "assistant", content: this.script(task, replyIndex), tokenUsage: { inputTokens: 10, outputTokens: 5 } };
  }
}
