// Types for targets.mjs.
export type Backend = 'cpu' | 'cuda' | 'cuda-ext' | 'vulkan';
export interface TargetSpec {
  nodeLlamaCpp: string;
  npmOs: 'linux' | 'win32' | 'darwin';
  npmCpu: 'x64' | 'arm64' | 'arm';
  nlcPlatform: 'linux' | 'win' | 'mac';
  binaries: Partial<Record<Backend, string>>;
  defaultBackends: Backend[];
  native: { format: 'elf' | 'pe' | 'macho'; arch: 'x64' | 'arm64' | 'arm'; bits: 32 | 64 };
  runtimeGpus: Array<'cuda' | 'vulkan' | 'metal' | false>;
  allTargets: boolean;
}
export const TARGETS: Record<string, TargetSpec>;
export const ALL_TARGETS: string[];
export function targetSpec(target: string): TargetSpec;
export function vsixFileName(name: string, version: string, target: string | undefined, binaryTarget: string, backends?: readonly string[]): string;
export const NATIVE_EXTENSIONS: Record<'elf' | 'pe' | 'macho', string[]>;
export const ANY_NATIVE: RegExp;
