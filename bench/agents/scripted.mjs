// Scripted model replies for three tasks, per agent kind: two solved, one failed. They let the
// harness run without a real model (`run.mjs --scripted`, with ScriptedModel) and are what
// test/bench-agents.test.ts queues on its local OpenAI-compatible server.
import { ScriptedModel } from "../../dist/index.js";

/** The tasks that have scripts, in the order the harness runs them. */
export const SCRIPTED_TASK_IDS = Object.freeze(["stock-value-p201", "acme-delivered-orders", "manager-of-priya"]);

const code = (thought, body) => ({ text: `Thought: ${thought}\n<code>\n${body}\n</code>` });
const calls = (...list) => ({ toolCalls: list.map(([name, args]) => ({ name, arguments: args })) });
const ACME_ORDERS = ["O-1001", "O-1004", "O-1007", "O-1011", "O-1014"];

/**
 * Per agent kind and task, the model's turns in order: code to run, native tool calls, or
 * `{ error }` for a model call that fails.
 */
export const SCRIPTED_TURNS = Object.freeze({
  python: {
    "stock-value-p201": [code("Price times stock.", 'product = get_product(sku="P-201")\nfinal_answer(product["price"] * product["stock"])')],
    "acme-delivered-orders": [
      code("List Acme's orders first.", 'ids = list_orders(customer="Acme Corp")\nprint(ids)'),
      code("Count the delivered ones.", 'statuses = [get_order(order_id=order_id)["status"] for order_id in ids]\nfinal_answer(statuses.count("delivered"))'),
    ],
    // Wrong on purpose: answers with Priya herself instead of her manager.
    "manager-of-priya": [code("Find Priya.", 'people = search_employees(name="Priya")\nfinal_answer(people[0]["name"])')],
  },
  javascript: {
    "stock-value-p201": [code("Price times stock.", 'const product = get_product({ sku: "P-201" });\nfinal_answer(product.price * product.stock);')],
    "acme-delivered-orders": [
      code("List Acme's orders first.", 'const ids = list_orders({ customer: "Acme Corp" });\nconsole.log(ids);'),
      code("Count the delivered ones.", 'const statuses = ids.map((id) => get_order({ order_id: id }).status);\nfinal_answer(statuses.filter((status) => status === "delivered").length);'),
    ],
    "manager-of-priya": [code("Find Priya.", 'const people = search_employees({ name: "Priya" });\nfinal_answer(people[0].name);')],
  },
  "tool-calling": {
    "stock-value-p201": [calls(["get_product", { sku: "P-201" }]), calls(["final_answer", { answer: 3000 }])],
    "acme-delivered-orders": [
      calls(["list_orders", { customer: "Acme Corp" }]),
      calls(...ACME_ORDERS.map((id) => ["get_order", { order_id: id }])),
      calls(["final_answer", { answer: 3 }]),
    ],
    "manager-of-priya": [{ error: "scripted failure: the model server answered 400" }],
  },
});

/**
 * A ScriptedModel replaying the turns of `kind` on `taskId`. A turn `{ error }` ends the script
 * there, so the next call fails (ScriptExhaustedError), as a failed model call would.
 */
export function scriptedModel(kind, taskId) {
  const turns = SCRIPTED_TURNS[kind]?.[taskId];
  if (turns === undefined) throw new Error(`No scripted replies for ${kind} on task '${taskId}'. Scripted tasks: ${SCRIPTED_TASK_IDS.join(", ")}`);
  const replies = [];
  for (const turn of turns) {
    if ("error" in turn) break;
    replies.push(
      "text" in turn
        ? turn.text
        : { role: "assistant", content: "", toolCalls: turn.toolCalls.map((call, index) => ({ id: `call_${index + 1}`, name: call.name, arguments: call.arguments })) },
    );
  }
  return new ScriptedModel(replies, { modelId: "scripted" });
}
