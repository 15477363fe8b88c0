/**
 * `codeagent demo`: a recorded run, replayed by ScriptedModel through the real sandbox and real
 * tools, so a new user sees the whole loop (code, tool calls, an error and its fix, the final
 * answer) on a fresh machine with no model and no key.
 */
import { z } from "zod";

import { ScriptedModel } from "../models/scripted-model.js";
import { tool } from "../tools/tool.js";

/** The task of the recorded run. */
export const DEMO_TASK = "Which of our warehouses holds the most stock by value, and how much is it worth in euros?";

const inventories: Record<string, { sku: string; quantity: number; unit_price_usd: number }[]> = {
  Rotterdam: [
    { sku: "bolt-m8", quantity: 12_000, unit_price_usd: 0.12 },
    { sku: "gear-40t", quantity: 350, unit_price_usd: 18.5 },
  ],
  Lyon: [
    { sku: "bearing-608", quantity: 4_200, unit_price_usd: 1.9 },
    { sku: "belt-gt2", quantity: 800, unit_price_usd: 4.25 },
  ],
  Gdansk: [
    { sku: "motor-nema17", quantity: 210, unit_price_usd: 14 },
    { sku: "bolt-m8", quantity: 3_000, unit_price_usd: 0.12 },
  ],
};
const usdRates: Record<string, number> = { USD: 1, EUR: 0.92, GBP: 0.79 };

/** The demo's tools: plain local functions, no network. */
export const demoTools = [
  tool({
    name: "list_warehouses",
    description: "Names of all our warehouses.",
    inputSchema: z.object({}),
    outputSchema: z.array(z.string()),
    execute: () => Object.keys(inventories),
  }),
  tool({
    name: "get_inventory",
    description: "Stock lines held in one warehouse.",
    inputSchema: z.object({ warehouse: z.string().describe("A name from list_warehouses()") }),
    outputSchema: z.array(z.object({ sku: z.string(), quantity: z.number(), unit_price_usd: z.number() })),
    execute: ({ warehouse }) => {
      const stock = inventories[warehouse];
      if (stock === undefined) throw new Error(`no warehouse named '${warehouse}'`);
      return stock;
    },
  }),
  tool({
    name: "convert_currency",
    description: "Converts an amount between currencies at today's rate.",
    inputSchema: z.object({
      amount: z.number(),
      from_currency: z.enum(["USD", "EUR", "GBP"]),
      to_currency: z.enum(["USD", "EUR", "GBP"]),
    }),
    outputSchema: z.number(),
    execute: ({ amount, from_currency, to_currency }) => Math.round((amount / usdRates[from_currency]!) * usdRates[to_currency]! * 100) / 100,
  }),
];

/** The recorded assistant replies, in order. */
export const demoReplies = [
  `Thought: First I list the warehouses and look at the shape of one inventory.
<code>
warehouses = list_warehouses()
print(warehouses)
print(get_inventory(warehouses[0])[:1])
</code>`,
  `Thought: Each line has a quantity and a unit price in USD. I will value every warehouse in one go.
<code>
values = {}
for name in warehouses:
    values[name] = sum(line["quantity"] * line["price"] for line in get_inventory(name))
print(values)
</code>`,
  `Thought: The key is unit_price_usd, not price. Fixing that.
<code>
values = {
    name: sum(line["quantity"] * line["unit_price_usd"] for line in get_inventory(name))
    for name in warehouses
}
best = max(values, key=values.get)
print(values, best)
</code>`,
  `Thought: I have the values and the largest. Now convert it to euros and answer.
<code>
in_euros = convert_currency(values[best], from_currency="USD", to_currency="EUR")
final_answer(f"{best} holds the most stock: {values[best]:,.2f} USD, about {in_euros:,.2f} EUR.")
</code>`,
];

/** A model that replays the recorded run; slower when someone is watching. */
export function demoModel(options: { watchable: boolean }): ScriptedModel {
  return new ScriptedModel(demoReplies, {
    modelId: "recorded-demo (ScriptedModel replay)",
    ...(options.watchable ? { streamDelayMs: 12, streamChunkSize: 6 } : {}),
  });
}
