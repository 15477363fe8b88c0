import { describe, expect, test } from "vitest";

import { blockedAddressRange } from "./network-addresses.js";

describe("blockedAddressRange", () => {
  test.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["100.64.0.1", "shared (carrier-grade NAT)"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf:ffff::1", "link-local"],
    ["fec0::1", "site-local"],
    ["fc00::1", "unique-local"],
    ["fd12:3456:789a::1", "unique-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback (127.0.0.1 inside an IPv6 address)"],
    ["::ffff:7f00:1", "loopback (127.0.0.1 inside an IPv6 address)"],
    ["::ffff:10.1.2.3", "private (10.1.2.3 inside an IPv6 address)"],
    ["::ffff:169.254.169.254", "link-local (169.254.169.254 inside an IPv6 address)"],
    ["::127.0.0.1", "loopback (127.0.0.1 inside an IPv6 address)"],
    ["64:ff9b::c0a8:101", "private (192.168.1.1 inside an IPv6 address)"],
    ["2002:7f00:1::1", "loopback (127.0.0.1 inside an IPv6 address)"],
    ["localhost", "not an IP address"],
  ])("%s is %s", (address, range) => {
    expect(blockedAddressRange(address)).toBe(range);
  });

  test.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1", "169.253.0.1", "223.255.255.255", "2606:4700:4700::1111", "2001:db8::1", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "fe00::1"])(
    "%s is public",
    (address) => {
      expect(blockedAddressRange(address)).toBeUndefined();
    },
  );
});
