// The small, fixed world the agent benchmark's tools expose: a product catalogue, orders,
// exchange rates, the weather in a few cities and an employee directory. Nothing here changes
// and nothing touches the network, so every task has one checkable answer.

/** Value of one unit of each currency, in EUR. */
export const EUR_PER_UNIT = { EUR: 1, USD: 0.92, GBP: 1.17, JPY: 0.0062, CHF: 1.04 };

/** @type {{ sku: string, name: string, category: string, price: number, currency: string, stock: number, warehouse: string }[]} */
export const PRODUCTS = [
  { sku: "P-101", name: "Trail Runner Shoes", category: "footwear", price: 89.9, currency: "EUR", stock: 40, warehouse: "Lyon" },
  { sku: "P-102", name: "City Sneakers", category: "footwear", price: 65, currency: "USD", stock: 120, warehouse: "Boston" },
  { sku: "P-103", name: "Hiking Boots", category: "footwear", price: 149, currency: "GBP", stock: 15, warehouse: "Leeds" },
  { sku: "P-201", name: "Rain Jacket", category: "apparel", price: 120, currency: "EUR", stock: 25, warehouse: "Lyon" },
  { sku: "P-202", name: "Wool Sweater", category: "apparel", price: 75.5, currency: "GBP", stock: 60, warehouse: "Leeds" },
  { sku: "P-203", name: "Down Parka", category: "apparel", price: 32000, currency: "JPY", stock: 8, warehouse: "Osaka" },
  { sku: "P-204", name: "Linen Shirt", category: "apparel", price: 45, currency: "USD", stock: 200, warehouse: "Boston" },
  { sku: "P-301", name: "Camping Stove", category: "outdoor", price: 54.9, currency: "CHF", stock: 30, warehouse: "Zurich" },
  { sku: "P-302", name: "Two-Person Tent", category: "outdoor", price: 210, currency: "EUR", stock: 12, warehouse: "Lyon" },
  { sku: "P-303", name: "Headlamp", category: "outdoor", price: 3500, currency: "JPY", stock: 150, warehouse: "Osaka" },
  { sku: "P-304", name: "Water Filter", category: "outdoor", price: 39, currency: "USD", stock: 0, warehouse: "Boston" },
  { sku: "P-305", name: "Sleeping Bag", category: "outdoor", price: 99, currency: "CHF", stock: 22, warehouse: "Zurich" },
];

/** @type {{ id: string, customer: string, date: string, status: string, items: { sku: string, quantity: number }[] }[]} */
export const ORDERS = [
  { id: "O-1001", customer: "Acme Corp", date: "2024-03-02", status: "delivered", items: [{ sku: "P-101", quantity: 4 }, { sku: "P-204", quantity: 10 }] },
  { id: "O-1002", customer: "Blue Fjord", date: "2024-03-05", status: "delivered", items: [{ sku: "P-302", quantity: 2 }, { sku: "P-305", quantity: 2 }] },
  { id: "O-1003", customer: "Cedar & Co", date: "2024-03-09", status: "shipped", items: [{ sku: "P-203", quantity: 1 }, { sku: "P-303", quantity: 6 }, { sku: "P-201", quantity: 2 }] },
  { id: "O-1004", customer: "Acme Corp", date: "2024-03-15", status: "cancelled", items: [{ sku: "P-102", quantity: 20 }] },
  { id: "O-1005", customer: "Dune Labs", date: "2024-03-18", status: "delivered", items: [{ sku: "P-301", quantity: 3 }, { sku: "P-303", quantity: 3 }] },
  { id: "O-1006", customer: "Blue Fjord", date: "2024-03-22", status: "delivered", items: [{ sku: "P-202", quantity: 5 }] },
  { id: "O-1007", customer: "Acme Corp", date: "2024-04-01", status: "shipped", items: [{ sku: "P-103", quantity: 2 }, { sku: "P-101", quantity: 1 }] },
  { id: "O-1008", customer: "Dune Labs", date: "2024-04-03", status: "cancelled", items: [{ sku: "P-302", quantity: 1 }, { sku: "P-304", quantity: 4 }] },
  { id: "O-1009", customer: "Cedar & Co", date: "2024-04-08", status: "delivered", items: [{ sku: "P-204", quantity: 25 }] },
  { id: "O-1010", customer: "Blue Fjord", date: "2024-04-12", status: "shipped", items: [{ sku: "P-305", quantity: 1 }, { sku: "P-301", quantity: 1 }, { sku: "P-303", quantity: 2 }] },
  { id: "O-1011", customer: "Acme Corp", date: "2024-04-19", status: "delivered", items: [{ sku: "P-201", quantity: 3 }, { sku: "P-204", quantity: 5 }] },
  { id: "O-1012", customer: "Dune Labs", date: "2024-04-25", status: "delivered", items: [{ sku: "P-101", quantity: 2 }, { sku: "P-102", quantity: 6 }, { sku: "P-303", quantity: 1 }] },
  { id: "O-1013", customer: "Cedar & Co", date: "2024-05-02", status: "cancelled", items: [{ sku: "P-202", quantity: 2 }] },
  { id: "O-1014", customer: "Acme Corp", date: "2024-05-06", status: "delivered", items: [{ sku: "P-304", quantity: 10 }] },
  { id: "O-1015", customer: "Blue Fjord", date: "2024-05-10", status: "processing", items: [{ sku: "P-203", quantity: 2 }, { sku: "P-101", quantity: 3 }] },
];

/** @type {{ city: string, temperature_c: number, condition: string, humidity_percent: number, wind_kmh: number }[]} */
export const WEATHER = [
  { city: "Lyon", temperature_c: 18.5, condition: "cloudy", humidity_percent: 72, wind_kmh: 12 },
  { city: "Boston", temperature_c: 12, condition: "rain", humidity_percent: 88, wind_kmh: 25 },
  { city: "Leeds", temperature_c: 9.5, condition: "rain", humidity_percent: 91, wind_kmh: 30 },
  { city: "Osaka", temperature_c: 24, condition: "sunny", humidity_percent: 60, wind_kmh: 8 },
  { city: "Zurich", temperature_c: 14.5, condition: "cloudy", humidity_percent: 75, wind_kmh: 10 },
  { city: "Paris", temperature_c: 17, condition: "sunny", humidity_percent: 55, wind_kmh: 14 },
  { city: "Oslo", temperature_c: 6.5, condition: "snow", humidity_percent: 80, wind_kmh: 18 },
  { city: "Madrid", temperature_c: 27.5, condition: "sunny", humidity_percent: 30, wind_kmh: 6 },
  { city: "Berlin", temperature_c: 15, condition: "rain", humidity_percent: 82, wind_kmh: 20 },
];

/** @type {{ id: string, name: string, department: string, city: string, manager_id: string | null, salary: number, currency: string, start_year: number }[]} */
export const EMPLOYEES = [
  { id: "E01", name: "Ana Lopez", department: "Sales", city: "Madrid", manager_id: "E12", salary: 98000, currency: "EUR", start_year: 2012 },
  { id: "E02", name: "Tom Becker", department: "Sales", city: "Berlin", manager_id: "E01", salary: 64000, currency: "EUR", start_year: 2019 },
  { id: "E03", name: "Priya Nair", department: "Engineering", city: "Leeds", manager_id: "E05", salary: 72000, currency: "GBP", start_year: 2017 },
  { id: "E04", name: "Kenji Sato", department: "Engineering", city: "Osaka", manager_id: "E05", salary: 9800000, currency: "JPY", start_year: 2020 },
  { id: "E05", name: "Lena Fischer", department: "Engineering", city: "Zurich", manager_id: "E12", salary: 165000, currency: "CHF", start_year: 2014 },
  { id: "E06", name: "Omar Haddad", department: "Support", city: "Paris", manager_id: "E09", salary: 48000, currency: "EUR", start_year: 2021 },
  { id: "E07", name: "Sofia Rossi", department: "Support", city: "Lyon", manager_id: "E09", salary: 46000, currency: "EUR", start_year: 2018 },
  { id: "E08", name: "Mark Hill", department: "Sales", city: "Boston", manager_id: "E01", salary: 85000, currency: "USD", start_year: 2016 },
  { id: "E09", name: "Ingrid Dahl", department: "Support", city: "Oslo", manager_id: "E12", salary: 82000, currency: "EUR", start_year: 2013 },
  { id: "E10", name: "Chloe Martin", department: "Finance", city: "Paris", manager_id: "E12", salary: 70000, currency: "EUR", start_year: 2015 },
  { id: "E11", name: "Ravi Kumar", department: "Engineering", city: "Boston", manager_id: "E03", salary: 120000, currency: "USD", start_year: 2022 },
  { id: "E12", name: "Grace Liu", department: "Finance", city: "Boston", manager_id: null, salary: 210000, currency: "USD", start_year: 2010 },
];

/** The rate `get_exchange_rate` returns: units of `to` for one unit of `from`, to 6 decimals. */
export function exchangeRate(from, to) {
  const fromValue = EUR_PER_UNIT[from];
  const toValue = EUR_PER_UNIT[to];
  if (fromValue === undefined || toValue === undefined) {
    throw new Error(`unknown currency '${fromValue === undefined ? from : to}'; known: ${Object.keys(EUR_PER_UNIT).join(", ")}`);
  }
  return Number((fromValue / toValue).toFixed(6));
}

/** `amount` of `from` in `to`, at the rate the tool gives. */
export function convert(amount, from, to) {
  return amount * exchangeRate(from, to);
}

export function productBySku(sku) {
  const product = PRODUCTS.find((candidate) => candidate.sku === sku);
  if (product === undefined) throw new Error(`no product with SKU '${sku}'`);
  return product;
}

export function productByName(name) {
  const product = PRODUCTS.find((candidate) => candidate.name === name);
  if (product === undefined) throw new Error(`no product named '${name}'`);
  return product;
}

export function orderById(id) {
  const order = ORDERS.find((candidate) => candidate.id === id);
  if (order === undefined) throw new Error(`no order with id '${id}'`);
  return order;
}

export function employeeById(id) {
  const employee = EMPLOYEES.find((candidate) => candidate.id === id);
  if (employee === undefined) throw new Error(`no employee with id '${id}'`);
  return employee;
}

export function employeeByName(name) {
  const employee = EMPLOYEES.find((candidate) => candidate.name === name);
  if (employee === undefined) throw new Error(`no employee named '${name}'`);
  return employee;
}

export function weatherIn(city) {
  const weather = WEATHER.find((candidate) => candidate.city.toLowerCase() === String(city).trim().toLowerCase());
  if (weather === undefined) throw new Error(`no weather data for '${city}'`);
  return weather;
}

/** An order's value in `currency`: quantity × unit price of each item, converted item by item. */
export function orderTotal(order, currency) {
  return order.items.reduce((total, item) => {
    const product = productBySku(item.sku);
    return total + convert(item.quantity * product.price, product.currency, currency);
  }, 0);
}
