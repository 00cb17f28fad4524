// Types for binaryHeaders.mjs.
export interface BinaryHeader {
  format: 'elf' | 'pe' | 'macho' | 'unknown';
  /** Node's name for the CPU ('x64', 'arm64', 'arm', 'ia32', …), 'universal' for a fat Mach-O, or unknown-<n>. */
  arch: string;
  bits: number;
  kind?: string;
  /** Mach-O: the minimum macOS version from LC_BUILD_VERSION / LC_VERSION_MIN_MACOSX. */
  minOS?: string;
  /** PE: the DLLs it imports (import and delay-load tables). */
  imports?: string[];
  /** Fat Mach-O: each slice. */
  slices?: BinaryHeader[];
}
export function inspectBinary(read: (offset: number, length: number) => Buffer): BinaryHeader | undefined;
export function inspectBuffer(buffer: Buffer): BinaryHeader | undefined;
export function inspectFile(path: string): BinaryHeader | undefined;
export function architectures(header: BinaryHeader): string[];
