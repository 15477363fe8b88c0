/**
 * Which IP addresses a tool running on the host may connect to on the model's behalf. Loopback,
 * private, link-local, unique-local, unspecified, multicast and reserved addresses reach this
 * machine or its own network (admin pages, cloud metadata at 169.254.169.254, databases), so a
 * prompt-injected page must not be able to send the host there. IPv6 forms that carry an IPv4
 * address (IPv4-mapped `::ffff:127.0.0.1`, IPv4-compatible, NAT64, 6to4) are judged by that IPv4.
 */
import { isIPv4, isIPv6 } from "node:net";

/** [first address, prefix length, what the range is]. */
type Range = readonly [string, number, string];

const IPV4_RANGES: readonly Range[] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared (carrier-grade NAT)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  // Includes the broadcast address 255.255.255.255.
  ["240.0.0.0", 4, "reserved"],
];

const IPV6_RANGES: readonly Range[] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["fc00::", 7, "unique-local"],
  ["ff00::", 8, "multicast"],
];

/** IPv6 prefixes whose addresses carry an IPv4 address: [prefix, prefix length, bit offset of the IPv4 from the right]. */
const IPV4_CARRIERS: readonly (readonly [string, number, bigint])[] = [
  ["::ffff:0:0", 96, 0n], // IPv4-mapped
  ["::", 96, 0n], // IPv4-compatible (deprecated)
  ["64:ff9b::", 96, 0n], // NAT64, well-known prefix
  ["64:ff9b:1::", 48, 0n], // NAT64, local use
  ["2002::", 16, 80n], // 6to4
];

/**
 * What kind of non-public address `address` is ("loopback", "private", ...), or `undefined` for a
 * public address. Anything that is not an IP address counts as non-public.
 */
export function blockedAddressRange(address: string): string | undefined {
  if (isIPv4(address)) return ipv4Range(ipv4Value(address));
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!isIPv6(bare)) return "not an IP address";
  const value = ipv6Value(bare);
  for (const [first, prefix, name] of IPV6_RANGES) if (inPrefix(value, ipv6Value(first), prefix, 128)) return name;
  for (const [first, prefix, offset] of IPV4_CARRIERS) {
    if (!inPrefix(value, ipv6Value(first), prefix, 128)) continue;
    const ipv4 = Number((value >> offset) & 0xffff_ffffn);
    const range = ipv4Range(ipv4);
    if (range !== undefined) return `${range} (${ipv4Text(ipv4)} inside an IPv6 address)`;
  }
  return undefined;
}

function ipv4Range(value: number): string | undefined {
  for (const [first, prefix, name] of IPV4_RANGES) if (inPrefix(BigInt(value), BigInt(ipv4Value(first)), prefix, 32)) return name;
  return undefined;
}

function inPrefix(value: bigint, first: bigint, prefix: number, width: number): boolean {
  const shift = BigInt(width - prefix);
  return value >> shift === first >> shift;
}

function ipv4Value(address: string): number {
  return address.split(".").reduce((value, part) => value * 256 + Number(part), 0);
}

function ipv4Text(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
}

/** The 128-bit value of a valid IPv6 address, `::` and a trailing dotted IPv4 included. */
function ipv6Value(address: string): bigint {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const ipv4 = ipv4Value(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(ipv4 >>> 16).toString(16)}:${(ipv4 & 0xffff).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill("0");
  return [...headGroups, ...zeros, ...tailGroups].reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}
