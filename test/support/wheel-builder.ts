/**
 * Builds small pure-Python wheels in memory for tests that load packages into a sandbox without a
 * package index: a wheel is a zip archive holding the package's modules and a `*.dist-info/` folder
 * (METADATA, WHEEL, RECORD). Also makes the matching entry of a Pyodide lock file.
 */
import { createHash } from "node:crypto";

/** A package to build: its name, version, and its files (path inside the wheel → text). */
export interface WheelSpec {
  name: string;
  version: string;
  files: Record<string, string>;
  /** Names of packages this one needs (the lock file's `depends`). */
  depends?: string[];
}

/** A built wheel: its conventional file name, its bytes and their sha256. */
export interface BuiltWheel {
  spec: WheelSpec;
  fileName: string;
  bytes: Buffer;
  sha256: string;
}

/** The name as wheel file names and dist-info folders spell it (runs of `-_.` become `_`). */
function distributionName(name: string): string {
  return name.replace(/[-_.]+/g, "_");
}

export function buildWheel(spec: WheelSpec): BuiltWheel {
  const distInfo = `${distributionName(spec.name)}-${spec.version}.dist-info`;
  const entries: [string, Buffer][] = Object.entries(spec.files).map(([path, text]) => [path, Buffer.from(text)]);
  entries.push([`${distInfo}/METADATA`, Buffer.from(`Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n`)]);
  entries.push([`${distInfo}/WHEEL`, Buffer.from("Wheel-Version: 1.0\nGenerator: codeagent-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")]);
  const record = entries.map(([path, bytes]) => `${path},sha256=${createHash("sha256").update(bytes).digest("base64url")},${bytes.length}`);
  record.push(`${distInfo}/RECORD,,`);
  entries.push([`${distInfo}/RECORD`, Buffer.from(`${record.join("\n")}\n`)]);
  const bytes = zipStored(entries);
  return {
    spec,
    fileName: `${distributionName(spec.name)}-${spec.version}-py3-none-any.whl`,
    bytes,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

/** The lock file (Pyodide's `pyodide-lock.json` format) that lists these wheels. */
export function lockFileFor(wheels: readonly BuiltWheel[], info: Record<string, unknown> = {}): string {
  const packages: Record<string, unknown> = {};
  for (const wheel of wheels) {
    const topLevel = new Set(Object.keys(wheel.spec.files).map((path) => path.split("/")[0]!.replace(/\.py$/, "")));
    packages[wheel.spec.name.toLowerCase().replace(/[-_.]+/g, "-")] = {
      name: wheel.spec.name,
      version: wheel.spec.version,
      file_name: wheel.fileName,
      install_dir: "site",
      sha256: wheel.sha256,
      package_type: "package",
      imports: [...topLevel],
      depends: wheel.spec.depends ?? [],
      unvendored_tests: false,
    };
  }
  return JSON.stringify({ info: { arch: "wasm32", ...info }, packages });
}

// ------------------------------------------------------------------ zip (stored, no compression)

const CRC_TABLE = Array.from({ length: 256 }, (_, index) => {
  let value = index;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
  return value >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** 1 January 2020, 00:00, in DOS time and date: fixed, so a wheel's bytes depend on its content only. */
const DOS_TIME = 0;
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;

/** Little-endian fields of 2 or 4 bytes, in order. */
function fields(values: readonly (readonly [2 | 4, number])[]): Buffer {
  const buffer = Buffer.alloc(values.reduce((total, [size]) => total + size, 0));
  let at = 0;
  for (const [size, value] of values) {
    if (size === 2) buffer.writeUInt16LE(value, at);
    else buffer.writeUInt32LE(value, at);
    at += size;
  }
  return buffer;
}

function zipStored(entries: readonly [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [path, data] of entries) {
    const name = Buffer.from(path);
    // flags, method (stored), time, date, crc, sizes, name length, extra length: in both headers.
    const common: [2 | 4, number][] = [[2, 0], [2, 0], [2, DOS_TIME], [2, DOS_DATE], [4, crc32(data)], [4, data.length], [4, data.length], [2, name.length], [2, 0]];
    const local = fields([[4, 0x04034b50], [2, 20], ...common]);
    // made by, needed, common, comment length, disk, internal and external attributes, where the local header is.
    const central = fields([[4, 0x02014b50], [2, 20], [2, 20], ...common, [2, 0], [2, 0], [2, 0], [4, 0], [4, offset]]);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = fields([[4, 0x06054b50], [2, 0], [2, 0], [2, entries.length], [2, entries.length], [4, directory.length], [4, offset], [2, 0]]);
  return Buffer.concat([...locals, directory, end]);
}
