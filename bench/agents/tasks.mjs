// The task set: 30 tasks over world.mjs, each needing tool calls, with one checkable answer.
// Categories: `arithmetic` (arithmetic over tool results), `lookup` (lookups that chain several
// calls) and `aggregation` (filtering and aggregating what the tools return, often over every
// product, order or employee). Answers are computed from the world, so they cannot drift from it.
import { listAnswer, moneyAnswer, numberAnswer, textAnswer } from "./checks.mjs";
import { EMPLOYEES, ORDERS, PRODUCTS, convert, employeeById, employeeByName, orderById, orderTotal, productByName, productBySku, weatherIn } from "./world.mjs";

const round = (value, digits = 2) => Number(value.toFixed(digits));
const sum = (values) => values.reduce((total, value) => total + value, 0);
const stockValue = (product, currency) => convert(product.price * product.stock, product.currency, currency);
const priceIn = (product, currency) => convert(product.price, product.currency, currency);
const salaryIn = (employee, currency) => convert(employee.salary, employee.currency, currency);
const managerOf = (employee) => employeeById(employee.manager_id);
const argmax = (items, score) => items.reduce((best, item) => (score(item) > score(best) ? item : best));
const countBy = (items, key) => items.reduce((counts, item) => counts.set(key(item), (counts.get(key(item)) ?? 0) + 1), new Map());
const warehouseCities = [...new Set(PRODUCTS.map((product) => product.warehouse))];

/** Builds a task: the check is made from the answer, `kind` says how it is compared. */
function task(id, category, prompt, answer, kind = "number") {
  const check =
    kind === "money" ? moneyAnswer(answer)
    : kind === "number" ? numberAnswer(answer)
    : kind === "list" ? listAnswer(answer)
    : textAnswer(answer);
  return Object.freeze({ id, category, task: prompt, answer, check });
}

const ROUND_2 = "Round to 2 decimals and answer with the number only.";

export const TASKS = Object.freeze([
  // ---- arithmetic over tool results
  task("stock-value-p201", "arithmetic",
    `What is the value of the stock of product P-201 (unit price × units in stock), in the product's own currency? Answer with the number only.`,
    round(productBySku("P-201").price * productBySku("P-201").stock), "money"),
  task("parka-price-eur", "arithmetic",
    `How much does one Down Parka (SKU P-203) cost in EUR at today's exchange rate? ${ROUND_2}`,
    round(priceIn(productBySku("P-203"), "EUR")), "money"),
  task("boots-minus-sneakers-usd", "arithmetic",
    `How much more does one P-103 cost than one P-102, in USD at today's exchange rate? ${ROUND_2}`,
    round(priceIn(productBySku("P-103"), "USD") - priceIn(productBySku("P-102"), "USD")), "money"),
  task("osaka-minus-zurich", "arithmetic",
    "How many degrees Celsius warmer is it in Osaka than in Zurich right now? Answer with the number only.",
    weatherIn("Osaka").temperature_c - weatherIn("Zurich").temperature_c),
  task("monthly-salary-e04-eur", "arithmetic",
    `What is the monthly salary (the annual salary divided by 12) of employee E04, in EUR at today's exchange rate? ${ROUND_2}`,
    round(salaryIn(employeeById("E04"), "EUR") / 12), "money"),
  task("order-1003-total-eur", "arithmetic",
    `What is the total value of order O-1003 in EUR: the sum over its items of quantity × unit price, each converted to EUR at today's exchange rate? ${ROUND_2}`,
    round(orderTotal(orderById("O-1003"), "EUR")), "money"),
  task("sneakers-stock-gbp", "arithmetic",
    `What is the stock of City Sneakers worth in GBP (unit price × units in stock, converted at today's exchange rate)? ${ROUND_2}`,
    round(stockValue(productByName("City Sneakers"), "GBP")), "money"),

  // ---- lookups that chain several calls
  task("manager-of-priya", "lookup",
    "Who is Priya Nair's manager? Answer with the manager's full name only.",
    managerOf(employeeByName("Priya Nair")).name, "text"),
  task("weather-of-tom-becker-manager", "lookup",
    "What is the weather condition right now (sunny, cloudy, rain or snow) in the city where Tom Becker's manager works? Answer with the condition only.",
    weatherIn(managerOf(employeeByName("Tom Becker")).city).condition, "text"),
  task("headlamp-warehouse-temperature", "lookup",
    "What is the temperature right now, in °C, in the city of the warehouse that stocks the Headlamp? Answer with the number only.",
    weatherIn(productByName("Headlamp").warehouse).temperature_c),
  task("omar-skip-level-manager", "lookup",
    "Who is the manager of Omar Haddad's manager? Answer with the full name only.",
    managerOf(managerOf(employeeByName("Omar Haddad"))).name, "text"),
  task("order-1012-largest-item", "lookup",
    "Which product has the largest quantity in order O-1012? Answer with the product's name only.",
    productBySku(argmax(orderById("O-1012").items, (item) => item.quantity).sku).name, "text"),
  task("orders-of-o1015-customer", "lookup",
    "How many orders in total has the customer of order O-1015 placed? Answer with the number only.",
    ORDERS.filter((order) => order.customer === orderById("O-1015").customer).length),
  task("ravi-management-chain", "lookup",
    "Follow the chain of managers up from Ravi Kumar until you reach the employee who has no manager. How many people are in that chain above Ravi, that employee included? Answer with the number only.",
    managerChain(employeeByName("Ravi Kumar")).length),

  // ---- filtering and aggregating
  task("outdoor-units-in-stock", "aggregation",
    "How many units are in stock in total across all products of the outdoor category? Answer with the number only.",
    sum(PRODUCTS.filter((product) => product.category === "outdoor").map((product) => product.stock))),
  task("out-of-stock-product", "aggregation",
    "Which product of the catalogue is out of stock (zero units)? Answer with its name only.",
    onlyOne(PRODUCTS.filter((product) => product.stock === 0)).name, "text"),
  task("cheapest-product-eur", "aggregation",
    "Which product of the catalogue has the lowest unit price once converted to EUR at today's exchange rates? Answer with its name only.",
    argmax(PRODUCTS, (product) => -priceIn(product, "EUR")).name, "text"),
  task("lyon-stock-value-eur", "aggregation",
    `What is the total value in EUR of all stock held in the Lyon warehouse (unit price × units in stock, summed over its products)? ${ROUND_2}`,
    round(sum(PRODUCTS.filter((product) => product.warehouse === "Lyon").map((product) => stockValue(product, "EUR")))), "money"),
  task("acme-delivered-orders", "aggregation",
    "How many of Acme Corp's orders have the status delivered? Answer with the number only.",
    ORDERS.filter((order) => order.customer === "Acme Corp" && order.status === "delivered").length),
  task("linen-shirt-units-ordered", "aggregation",
    "How many units of the Linen Shirt (P-204) were ordered in total, over all orders that were not cancelled? Answer with the number only.",
    sum(ORDERS.filter((order) => order.status !== "cancelled").flatMap((order) => order.items.filter((item) => item.sku === "P-204").map((item) => item.quantity)))),
  task("warmest-warehouse-city", "aggregation",
    "Of the cities where the company has a warehouse, which is the warmest right now? Answer with the city only.",
    argmax(warehouseCities, (city) => weatherIn(city).temperature_c), "text"),
  task("engineering-average-salary-eur", "aggregation",
    `What is the average annual salary of the Engineering department in EUR, converting each salary at today's exchange rate? ${ROUND_2}`,
    round(average(EMPLOYEES.filter((employee) => employee.department === "Engineering").map((employee) => salaryIn(employee, "EUR")))), "money"),
  task("employees-where-raining", "aggregation",
    "How many employees work in a city where it is raining right now? Answer with the number only.",
    EMPLOYEES.filter((employee) => weatherIn(employee.city).condition === "rain").length),
  task("blue-fjord-largest-order", "aggregation",
    "Which of Blue Fjord's orders has the highest total value in EUR (quantity × unit price over its items, converted at today's exchange rates)? Answer with the order id only.",
    argmax(ORDERS.filter((order) => order.customer === "Blue Fjord"), (order) => orderTotal(order, "EUR")).id, "text"),
  task("largest-department", "aggregation",
    "Which department has the most employees? Answer with the department's name only.",
    argmax([...countBy(EMPLOYEES, (employee) => employee.department)], ([, count]) => count)[0], "text"),
  task("sales-hired-before-2018", "aggregation",
    "Which employees of the Sales department started before 2018? Answer with their full names, separated by commas.",
    EMPLOYEES.filter((employee) => employee.department === "Sales" && employee.start_year < 2018).map((employee) => employee.name), "list"),
  task("cancelled-orders-value-usd", "aggregation",
    `What is the total value in USD of all cancelled orders (quantity × unit price over their items, converted at today's exchange rates)? ${ROUND_2}`,
    round(sum(ORDERS.filter((order) => order.status === "cancelled").map((order) => orderTotal(order, "USD")))), "money"),
  task("customer-with-most-orders", "aggregation",
    "Which customer has placed the most orders? Answer with the customer's name only.",
    argmax([...countBy(ORDERS, (order) => order.customer)], ([, count]) => count)[0], "text"),
  task("support-cities-average-temperature", "aggregation",
    "What is the average temperature right now, in °C, over the distinct cities where employees of the Support department work? Round to 1 decimal and answer with the number only.",
    round(average([...new Set(EMPLOYEES.filter((employee) => employee.department === "Support").map((employee) => employee.city))].map((city) => weatherIn(city).temperature_c)), 1),
    "number"),
  task("dune-labs-distinct-products", "aggregation",
    "How many distinct products has Dune Labs ordered, over all its orders? Answer with the number only.",
    new Set(ORDERS.filter((order) => order.customer === "Dune Labs").flatMap((order) => order.items.map((item) => item.sku))).size),
]);

/** The tasks with these ids, in the order given; throws on an unknown id. */
export function selectTasks(ids) {
  if (ids === undefined) return [...TASKS];
  return ids.map((id) => {
    const found = TASKS.find((candidate) => candidate.id === id);
    if (found === undefined) throw new RangeError(`Unknown task '${id}'. Tasks: ${TASKS.map((candidate) => candidate.id).join(", ")}`);
    return found;
  });
}

function managerChain(employee) {
  const chain = [];
  for (let current = employee; current.manager_id !== null; ) {
    current = employeeById(current.manager_id);
    chain.push(current);
  }
  return chain;
}

function average(values) {
  return sum(values) / values.length;
}

function onlyOne(items) {
  if (items.length !== 1) throw new Error(`expected exactly one item, got ${items.length}`);
  return items[0];
}
