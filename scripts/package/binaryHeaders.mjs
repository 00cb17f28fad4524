// Reads the header of a native binary (no dependency): ELF, PE (Windows) and Mach-O (thin and
// fat/universal). Enough to tell which OS format, CPU architecture and word size a file is built
// for, so the package test can prove a vsix carries the right native code and nothing else.
//
//   inspectBinary(read)   read(offset, length) → Buffer (shorter at end of file)
//   inspectBuffer(buf)    the same on bytes in memory
//   inspectFile(path)     the same on a file (reads only the header bytes it needs)
//
// Result: undefined when the bytes are not a native binary, else
//   { format: 'elf' | 'pe' | 'macho', arch, bits, kind?, minOS?, slices?, imports? }
// (imports: PE only, the DLL names of its import and delay-load tables)
// arch is Node's name ('x64', 'arm64', 'arm', 'ia32', …) or `unknown-<number>`.
import { closeSync, openSync, readSync } from 'node:fs';

const ELF_MACHINES = { 3: 'ia32', 40: 'arm', 62: 'x64', 183: 'arm64', 243: 'riscv64' };
const PE_MACHINES = { 0x14c: 'ia32', 0x8664: 'x64', 0xaa64: 'arm64', 0x1c4: 'arm' };
const MACHO_CPUS = { 7: 'ia32', 0x01000007: 'x64', 12: 'arm', 0x0100000c: 'arm64' };

const MH_MAGIC = 0xfeedface;
const MH_MAGIC_64 = 0xfeedfacf;
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;
const LC_VERSION_MIN_MACOSX = 0x24;
const LC_BUILD_VERSION = 0x32;
const PLATFORM_MACOS = 1;

function name(table, value) {
  return table[value] ?? `unknown-${value}`;
}

/** An ELF header: e_ident class/data, e_type, e_machine. */
function elf(read) {
  const h = read(0, 20);
  if (h.length < 20) return undefined;
  const bits = h[4] === 1 ? 32 : h[4] === 2 ? 64 : undefined;
  const little = h[5] === 1;
  if (!bits || (h[5] !== 1 && h[5] !== 2)) return undefined;
  const type = little ? h.readUInt16LE(16) : h.readUInt16BE(16);
  const machine = little ? h.readUInt16LE(18) : h.readUInt16BE(18);
  return { format: 'elf', arch: name(ELF_MACHINES, machine), bits, kind: { 1: 'relocatable', 2: 'executable', 3: 'shared' }[type] ?? `type-${type}` };
}

/** A PE header: MZ stub → e_lfanew → "PE\0\0", COFF machine and characteristics, optional-header magic. */
function pe(read) {
  const stub = read(0, 64);
  if (stub.length < 64) return undefined;
  const offset = stub.readUInt32LE(0x3c);
  const h = read(offset, 26);
  if (h.length < 26 || h.readUInt32LE(0) !== 0x00004550) return undefined;
  const machine = h.readUInt16LE(4);
  const characteristics = h.readUInt16LE(22);
  const magic = h.readUInt16LE(24);
  const bits = magic === 0x20b ? 64 : magic === 0x10b ? 32 : undefined;
  if (!bits) return undefined;
  const result = { format: 'pe', arch: name(PE_MACHINES, machine), bits, kind: characteristics & 0x2000 ? 'dll' : characteristics & 0x0002 ? 'executable' : 'object' };
  const imports = peImports(read, offset, h.readUInt16LE(6), h.readUInt16LE(20), bits);
  if (imports) result.imports = imports;
  return result;
}

/**
 * The DLL names a PE file imports (import table and delay-load table), in file order, or undefined
 * when its headers do not hold them. Reads the section table to turn RVAs into file offsets.
 */
function peImports(read, peOffset, sectionCount, optionalSize, bits) {
  const optional = peOffset + 24;
  const directories = read(optional + (bits === 64 ? 112 : 96), 16 * 8);
  if (directories.length < 16 * 8) return undefined;
  const sectionTable = read(optional + optionalSize, sectionCount * 40);
  const sections = [];
  for (let i = 0; i + 40 <= sectionTable.length; i += 40) {
    sections.push({ va: sectionTable.readUInt32LE(i + 12), size: Math.max(sectionTable.readUInt32LE(i + 8), sectionTable.readUInt32LE(i + 16)), raw: sectionTable.readUInt32LE(i + 20) });
  }
  const fileOffset = (rva) => {
    const section = sections.find((s) => rva >= s.va && rva < s.va + s.size);
    return section ? rva - section.va + section.raw : undefined;
  };
  const cString = (rva) => {
    const at = fileOffset(rva);
    if (at === undefined) return undefined;
    const bytes = read(at, 256);
    const end = bytes.indexOf(0);
    return bytes.toString('latin1', 0, end < 0 ? bytes.length : end);
  };
  const names = [];
  // [directory index, descriptor size, offset of the name RVA in a descriptor]
  for (const [index, size, nameAt] of [[1, 20, 12], [13, 32, 4]]) {
    const rva = directories.readUInt32LE(index * 8);
    if (rva === 0) continue;
    const start = fileOffset(rva);
    if (start === undefined) continue;
    for (let i = 0; i < 4096; i++) {
      const descriptor = read(start + i * size, size);
      if (descriptor.length < size || descriptor.every((b) => b === 0)) break;
      const dll = cString(descriptor.readUInt32LE(nameAt));
      if (dll && !names.includes(dll)) names.push(dll);
    }
  }
  return names;
}

function macosVersion(encoded) {
  return `${encoded >>> 16}.${(encoded >>> 8) & 0xff}.${encoded & 0xff}`.replace(/\.0$/, '');
}

/** A thin Mach-O at `base`: cputype, word size, and the minimum macOS from its load commands. */
function machoThin(read, base) {
  const h = read(base, 32);
  if (h.length < 28) return undefined;
  const le = h.readUInt32LE(0);
  const little = le === MH_MAGIC || le === MH_MAGIC_64;
  const magic = little ? le : h.readUInt32BE(0);
  if (magic !== MH_MAGIC && magic !== MH_MAGIC_64) return undefined;
  const u32 = (buf, at) => (little ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const bits = magic === MH_MAGIC_64 ? 64 : 32;
  const cpu = u32(h, 4);
  const fileType = u32(h, 12);
  const ncmds = u32(h, 16);
  const sizeofcmds = u32(h, 20);
  const result = { format: 'macho', arch: name(MACHO_CPUS, cpu), bits, kind: { 1: 'object', 2: 'executable', 6: 'dylib', 8: 'bundle' }[fileType] ?? `type-${fileType}` };
  const commands = read(base + (bits === 64 ? 32 : 28), Math.min(sizeofcmds, 1 << 20));
  for (let i = 0, p = 0; i < ncmds && p + 8 <= commands.length; i++) {
    const cmd = u32(commands, p);
    const size = u32(commands, p + 4);
    if (cmd === LC_BUILD_VERSION && p + 16 <= commands.length && u32(commands, p + 8) === PLATFORM_MACOS) result.minOS = macosVersion(u32(commands, p + 12));
    if (cmd === LC_VERSION_MIN_MACOSX && p + 12 <= commands.length) result.minOS = macosVersion(u32(commands, p + 8));
    if (size < 8) break;
    p += size;
  }
  return result;
}

/** A fat (universal) Mach-O: its slices, each read as a thin Mach-O. */
function machoFat(read) {
  const h = read(0, 8);
  const magic = h.readUInt32BE(0);
  const count = h.readUInt32BE(4);
  // Java class files share 0xcafebabe; their "count" (the class file version) is 45 or more.
  if (count === 0 || count > 32) return undefined;
  const wide = magic === FAT_MAGIC_64;
  const entrySize = wide ? 32 : 20;
  const table = read(8, count * entrySize);
  if (table.length < count * entrySize) return undefined;
  const slices = [];
  for (let i = 0; i < count; i++) {
    const at = i * entrySize;
    const offset = wide ? Number(table.readBigUInt64BE(at + 8)) : table.readUInt32BE(at + 8);
    const slice = machoThin(read, offset) ?? { format: 'unknown', arch: name(MACHO_CPUS, table.readUInt32BE(at)), bits: 0 };
    slices.push(slice);
  }
  return { format: 'macho', arch: 'universal', bits: Math.max(...slices.map((s) => s.bits)), kind: 'fat', slices };
}

/** The header of the bytes `read` gives, or undefined when they are no native binary. */
export function inspectBinary(read) {
  const head = read(0, 4);
  if (head.length < 4) return undefined;
  if (head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF') return elf(read);
  if (head[0] === 0x4d && head[1] === 0x5a) return pe(read);
  const be = head.readUInt32BE(0);
  if (be === FAT_MAGIC || be === FAT_MAGIC_64) return machoFat(read);
  return machoThin(read, 0);
}

export function inspectBuffer(buffer) {
  return inspectBinary((offset, length) => buffer.subarray(Math.min(offset, buffer.length), Math.min(offset + length, buffer.length)));
}

export function inspectFile(path) {
  const fd = openSync(path, 'r');
  try {
    return inspectBinary((offset, length) => {
      const buffer = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buffer, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return buffer.subarray(0, done);
    });
  } finally {
    closeSync(fd);
  }
}

/** The architectures a header covers: its own, or each slice's for a universal Mach-O. */
export function architectures(header) {
  return header.slices ? header.slices.map((s) => s.arch) : [header.arch];
}
