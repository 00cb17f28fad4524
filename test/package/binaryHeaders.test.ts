// scripts/package/binaryHeaders.mjs on small synthetic headers written here (ELF, PE, Mach-O thin
// and fat), on bytes that are not native code, and on the real native files installed in
// node_modules. The files inside each vsix are read in platforms.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { architectures, inspectBuffer, inspectFile } from '../../scripts/package/binaryHeaders.mjs';

const ROOT = join(__dirname, '..', '..');

function elf(bits: 32 | 64, machine: number, little = true, type = 3): Buffer {
  const b = Buffer.alloc(64);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = bits === 64 ? 2 : 1;
  b[5] = little ? 1 : 2;
  b[6] = 1;
  if (little) {
    b.writeUInt16LE(type, 16);
    b.writeUInt16LE(machine, 18);
  } else {
    b.writeUInt16BE(type, 16);
    b.writeUInt16BE(machine, 18);
  }
  return b;
}

function pe(machine: number, magic: 0x10b | 0x20b, dll = true): Buffer {
  const b = Buffer.alloc(0x200);
  b.write('MZ', 0, 'latin1');
  const offset = 0x80;
  b.writeUInt32LE(offset, 0x3c);
  b.write('PE\0\0', offset, 'latin1');
  b.writeUInt16LE(machine, offset + 4);
  b.writeUInt16LE(magic === 0x20b ? 240 : 224, offset + 20);
  b.writeUInt16LE(dll ? 0x2022 : 0x0022, offset + 22);
  b.writeUInt16LE(magic, offset + 24);
  return b;
}

const LC_BUILD_VERSION = 0x32;
const LC_VERSION_MIN_MACOSX = 0x24;
const LC_SEGMENT_64 = 0x19;

/** A 64-bit little-endian Mach-O dylib with a segment command and a minimum-OS command. */
function macho(cpu: number, minOS?: { cmd: number; version: number }, bits: 32 | 64 = 64): Buffer {
  const headerSize = bits === 64 ? 32 : 28;
  const commands: Buffer[] = [];
  const segment = Buffer.alloc(72);
  segment.writeUInt32LE(LC_SEGMENT_64, 0);
  segment.writeUInt32LE(72, 4);
  commands.push(segment);
  if (minOS?.cmd === LC_BUILD_VERSION) {
    const c = Buffer.alloc(24);
    c.writeUInt32LE(LC_BUILD_VERSION, 0);
    c.writeUInt32LE(24, 4);
    c.writeUInt32LE(1, 8); // PLATFORM_MACOS
    c.writeUInt32LE(minOS.version, 12);
    commands.push(c);
  } else if (minOS) {
    const c = Buffer.alloc(16);
    c.writeUInt32LE(LC_VERSION_MIN_MACOSX, 0);
    c.writeUInt32LE(16, 4);
    c.writeUInt32LE(minOS.version, 8);
    commands.push(c);
  }
  const body = Buffer.concat(commands);
  const h = Buffer.alloc(headerSize);
  h.writeUInt32LE(bits === 64 ? 0xfeedfacf : 0xfeedface, 0);
  h.writeUInt32LE(cpu, 4);
  h.writeUInt32LE(6, 12); // MH_DYLIB
  h.writeUInt32LE(commands.length, 16);
  h.writeUInt32LE(body.length, 20);
  return Buffer.concat([h, body]);
}

function fat(slices: Array<{ cpu: number; bytes: Buffer }>): Buffer {
  const align = 0x1000;
  const header = Buffer.alloc(8 + 20 * slices.length);
  header.writeUInt32BE(0xcafebabe, 0);
  header.writeUInt32BE(slices.length, 4);
  const parts: Buffer[] = [];
  let offset = align;
  slices.forEach((slice, i) => {
    header.writeUInt32BE(slice.cpu, 8 + i * 20);
    header.writeUInt32BE(offset, 8 + i * 20 + 8);
    header.writeUInt32BE(slice.bytes.length, 8 + i * 20 + 12);
    header.writeUInt32BE(12, 8 + i * 20 + 16);
    parts.push(slice.bytes);
    offset += align * Math.ceil(slice.bytes.length / align);
  });
  const out = Buffer.alloc(offset);
  header.copy(out, 0);
  let at = align;
  for (const part of parts) {
    part.copy(out, at);
    at += align * Math.ceil(part.length / align);
  }
  return out;
}

const X86_64 = 0x01000007;
const ARM64 = 0x0100000c;
const version = (major: number, minor: number, patch = 0) => (major << 16) | (minor << 8) | patch;

test('ELF: class (32/64), byte order and e_machine (x86-64, aarch64, arm)', () => {
  assert.deepEqual(inspectBuffer(elf(64, 62)), { format: 'elf', arch: 'x64', bits: 64, kind: 'shared' });
  assert.deepEqual(inspectBuffer(elf(64, 183)), { format: 'elf', arch: 'arm64', bits: 64, kind: 'shared' });
  assert.deepEqual(inspectBuffer(elf(32, 40)), { format: 'elf', arch: 'arm', bits: 32, kind: 'shared' });
  assert.deepEqual(inspectBuffer(elf(64, 62, false, 2)), { format: 'elf', arch: 'x64', bits: 64, kind: 'executable' });
  assert.equal(inspectBuffer(elf(64, 9999))?.arch, 'unknown-9999');
});

/** A PE32+ DLL with one section holding an import table that names `dlls`. */
function peWithImports(dlls: string[]): Buffer {
  const b = pe(0x8664, 0x20b);
  const out = Buffer.alloc(0x600);
  b.copy(out, 0);
  const peOffset = 0x80;
  out.writeUInt16LE(1, peOffset + 6); // one section
  const optional = peOffset + 24;
  out.writeUInt32LE(0x1000, optional + 112 + 8); // data directory 1 (imports): RVA
  out.writeUInt32LE(20 * (dlls.length + 1), optional + 112 + 12);
  const section = optional + 240;
  out.write('.idata\0\0', section, 'latin1');
  out.writeUInt32LE(0x400, section + 8); // VirtualSize
  out.writeUInt32LE(0x1000, section + 12); // VirtualAddress
  out.writeUInt32LE(0x400, section + 16); // SizeOfRawData
  out.writeUInt32LE(0x200, section + 20); // PointerToRawData
  dlls.forEach((dll, i) => {
    const nameRva = 0x1100 + i * 0x40;
    out.writeUInt32LE(nameRva, 0x200 + i * 20 + 12);
    out.write(`${dll}\0`, 0x200 + (nameRva - 0x1000), 'latin1');
  });
  return out;
}

test('PE: machine (AMD64, ARM64, i386) and PE32 vs PE32+, DLL vs executable', () => {
  assert.deepEqual(inspectBuffer(pe(0x8664, 0x20b)), { format: 'pe', arch: 'x64', bits: 64, kind: 'dll', imports: [] });
  assert.deepEqual(inspectBuffer(pe(0xaa64, 0x20b)), { format: 'pe', arch: 'arm64', bits: 64, kind: 'dll', imports: [] });
  assert.deepEqual(inspectBuffer(pe(0x14c, 0x10b, false)), { format: 'pe', arch: 'ia32', bits: 32, kind: 'executable', imports: [] });
  // An MZ stub without a PE header (a DOS program, or a text file starting with "MZ") is no PE.
  const dos = pe(0x8664, 0x20b);
  dos.write('XX', 0x80, 'latin1');
  assert.equal(inspectBuffer(dos), undefined);
});

test('PE: the DLLs of the import table', () => {
  assert.deepEqual(inspectBuffer(peWithImports(['KERNEL32.dll', 'cublas64_13.dll', 'vulkan-1.dll']))?.imports, ['KERNEL32.dll', 'cublas64_13.dll', 'vulkan-1.dll']);
});

test('Mach-O thin: cpu type, 64-bit magic and the minimum macOS (LC_BUILD_VERSION, LC_VERSION_MIN_MACOSX)', () => {
  assert.deepEqual(inspectBuffer(macho(ARM64, { cmd: LC_BUILD_VERSION, version: version(14, 0) })), { format: 'macho', arch: 'arm64', bits: 64, kind: 'dylib', minOS: '14.0' });
  assert.deepEqual(inspectBuffer(macho(X86_64, { cmd: LC_VERSION_MIN_MACOSX, version: version(10, 15, 4) })), { format: 'macho', arch: 'x64', bits: 64, kind: 'dylib', minOS: '10.15.4' });
  assert.deepEqual(inspectBuffer(macho(7, undefined, 32)), { format: 'macho', arch: 'ia32', bits: 32, kind: 'dylib' });
});

test('Mach-O fat/universal: every slice is listed', () => {
  const universal = fat([
    { cpu: X86_64, bytes: macho(X86_64, { cmd: LC_BUILD_VERSION, version: version(13, 3) }) },
    { cpu: ARM64, bytes: macho(ARM64, { cmd: LC_BUILD_VERSION, version: version(14, 0) }) },
  ]);
  const header = inspectBuffer(universal);
  assert.equal(header?.arch, 'universal');
  assert.deepEqual(architectures(header!), ['x64', 'arm64']);
  assert.deepEqual(header?.slices?.map((s) => s.minOS), ['13.3', '14.0']);
  // The same bytes through a file: only the needed parts are read.
  const dir = mkdtempSync(join(tmpdir(), 'medlocal-headers-'));
  try {
    writeFileSync(join(dir, 'universal.node'), universal);
    assert.deepEqual(inspectFile(join(dir, 'universal.node')), header);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bytes that are not native code: undefined (text, JSON, a Java class file, too short)', () => {
  assert.equal(inspectBuffer(Buffer.from('{"name":"x"}')), undefined);
  assert.equal(inspectBuffer(Buffer.from('export const x = 1;\n')), undefined);
  const javaClass = Buffer.alloc(16);
  javaClass.writeUInt32BE(0xcafebabe, 0);
  javaClass.writeUInt32BE(52, 4); // class file version: "52 slices" would be absurd
  assert.equal(inspectBuffer(javaClass), undefined);
  assert.equal(inspectBuffer(Buffer.from([0x7f, 0x45])), undefined);
});

test('the native files installed in node_modules: this platform, architecture and word size', (t) => {
  const bins = join(ROOT, 'node_modules', '@node-llama-cpp', 'linux-x64', 'bins', 'linux-x64');
  if (!existsSync(bins)) return t.skip(`${bins} is not installed (not a linux-x64 machine)`);
  const natives = readdirSync(bins).filter((f) => /\.(node|so)$/.test(f));
  assert.ok(natives.includes('llama-addon.node'), natives.join(', '));
  for (const file of natives) assert.deepEqual({ ...inspectFile(join(bins, file)), kind: undefined }, { format: 'elf', arch: 'x64', bits: 64, kind: undefined }, file);
  assert.equal(inspectFile(join(bins, '_nlcBuildMetadata.json')), undefined);
});
