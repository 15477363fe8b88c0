// The benchmark's tools: local functions over world.mjs, with zod schemas, that never touch the
// network. Listing tools return ids and names only, so details take one more call per item.
import { z } from "zod";

import { tool } from "../../dist/index.js";
import { EMPLOYEES, EUR_PER_UNIT, ORDERS, PRODUCTS, employeeById, exchangeRate, orderById, productBySku, weatherIn } from "./world.mjs";

const CATEGORIES = [...new Set(PRODUCTS.map((product) => product.category))];
const CUSTOMERS = [...new Set(ORDERS.map((order) => order.customer))];
const same = (a, b) => a.trim().toLowerCase() === b.trim().toLowerCase();

const productSchema = z.object({
  sku: z.string(),
  name: z.string(),
  category: z.string(),
  price: z.number().describe("Unit price, in `currency`."),
  currency: z.string(),
  stock: z.number().describe("Units in stock."),
  warehouse: z.string().describe("City of the warehouse holding the stock."),
});

const orderSchema = z.object({
  id: z.string(),
  customer: z.string(),
  date: z.string().describe("YYYY-MM-DD"),
  status: z.string().describe("processing, shipped, delivered or cancelled"),
  items: z.array(z.object({ sku: z.string(), quantity: z.number() })),
});

const employeeSchema = z.object({
  id: z.string(),
  name: z.string(),
  department: z.string(),
  city: z.string(),
  manager_id: z.string().nullable().describe("Id of the employee's manager; null for the head of the company."),
  salary: z.number().describe("Annual salary, in `currency`."),
  currency: z.string(),
  start_year: z.number(),
});

export const listProducts = tool({
  name: "list_products",
  description: "Lists the products of the catalogue (SKU and name only), optionally of one category.",
  inputSchema: z.object({
    category: z.string().optional().describe(`A category: ${CATEGORIES.join(", ")}. All products when omitted.`),
  }),
  outputSchema: z.array(z.object({ sku: z.string(), name: z.string() })),
  execute: ({ category }) => {
    if (category !== undefined && !CATEGORIES.some((known) => same(known, category))) {
      throw new Error(`unknown category '${category}'; categories: ${CATEGORIES.join(", ")}`);
    }
    return PRODUCTS.filter((product) => category === undefined || same(product.category, category)).map(({ sku, name }) => ({ sku, name }));
  },
});

export const getProduct = tool({
  name: "get_product",
  description: "Details of one product: price and currency, units in stock, warehouse city.",
  inputSchema: z.object({ sku: z.string().describe("The product's SKU, e.g. 'P-101'.") }),
  outputSchema: productSchema,
  execute: ({ sku }) => ({ ...productBySku(sku.trim().toUpperCase()) }),
});

export const listOrders = tool({
  name: "list_orders",
  description: "Lists order ids, oldest first, optionally of one customer.",
  inputSchema: z.object({
    customer: z.string().optional().describe("The customer's name, e.g. 'Acme Corp'. All orders when omitted."),
  }),
  outputSchema: z.array(z.string()),
  execute: ({ customer }) => {
    if (customer !== undefined && !CUSTOMERS.some((known) => same(known, customer))) {
      throw new Error(`unknown customer '${customer}'; customers: ${CUSTOMERS.join(", ")}`);
    }
    return ORDERS.filter((order) => customer === undefined || same(order.customer, customer)).map((order) => order.id);
  },
});

export const getOrder = tool({
  name: "get_order",
  description: "One order: customer, date, status and items (SKU and quantity; prices are in the catalogue).",
  inputSchema: z.object({ order_id: z.string().describe("The order id, e.g. 'O-1001'.") }),
  outputSchema: orderSchema,
  execute: ({ order_id }) => structuredClone(orderById(order_id.trim().toUpperCase())),
});

export const getExchangeRate = tool({
  name: "get_exchange_rate",
  description: "How many units of `to_currency` one unit of `from_currency` is worth today.",
  inputSchema: z.object({
    from_currency: z.string().describe(`A currency code: ${Object.keys(EUR_PER_UNIT).join(", ")}.`),
    to_currency: z.string().describe("A currency code."),
  }),
  outputSchema: z.number(),
  execute: ({ from_currency, to_currency }) => exchangeRate(from_currency.trim().toUpperCase(), to_currency.trim().toUpperCase()),
});

export const getWeather = tool({
  name: "get_weather",
  description: "The weather in a city right now: temperature in °C, condition (sunny, cloudy, rain, snow), humidity and wind.",
  inputSchema: z.object({ city: z.string().describe("The city, e.g. 'Paris'.") }),
  outputSchema: z.object({ city: z.string(), temperature_c: z.number(), condition: z.string(), humidity_percent: z.number(), wind_kmh: z.number() }),
  execute: ({ city }) => ({ ...weatherIn(city) }),
});

export const searchEmployees = tool({
  name: "search_employees",
  description: "Finds employees (id and name only) by part of their name, department and/or city. All employees when no filter is given.",
  inputSchema: z.object({
    name: z.string().optional().describe("Part of the name, any case."),
    department: z.string().optional().describe("Sales, Engineering, Support or Finance."),
    city: z.string().optional(),
  }),
  outputSchema: z.array(z.object({ id: z.string(), name: z.string() })),
  execute: ({ name, department, city }) =>
    EMPLOYEES.filter(
      (employee) =>
        (name === undefined || employee.name.toLowerCase().includes(name.trim().toLowerCase())) &&
        (department === undefined || same(employee.department, department)) &&
        (city === undefined || same(employee.city, city)),
    ).map(({ id, name: fullName }) => ({ id, name: fullName })),
});

export const getEmployee = tool({
  name: "get_employee",
  description: "One employee's record: department, city, manager id, annual salary and currency, start year.",
  inputSchema: z.object({ employee_id: z.string().describe("The employee id, e.g. 'E01'.") }),
  outputSchema: employeeSchema,
  execute: ({ employee_id }) => ({ ...employeeById(employee_id.trim().toUpperCase()) }),
});

/** Every tool the benchmark's agents get, the same for each agent. */
export const BENCHMARK_TOOLS = [listProducts, getProduct, listOrders, getOrder, getExchangeRate, getWeather, searchEmployees, getEmployee];
