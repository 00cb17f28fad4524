// The one place that says what each platform-specific vsix carries: the node-llama-cpp version,
// its prebuilt binary packages per backend, which backends ship by default, what the native files
// inside must be (read from their headers by binaryHeaders.mjs), and the GPU types node-llama-cpp
// resolves to those packages at run time on that platform.
//
// Why two node-llama-cpp versions: the npm registry has node-llama-cpp 3.22.x's prebuilt binaries
// for Linux only; the Windows and macOS binary packages stop at 3.21.1 (`npm view
// @node-llama-cpp/win-x64 versions`). So Linux vsix files ship 3.22.1 (what the repository
// installs), Windows and macOS vsix files ship 3.21.1 with the run-time dependencies 3.21.1 declares.

/**
 * @typedef {'cpu' | 'cuda' | 'cuda-ext' | 'vulkan'} Backend
 * @typedef {{
 *   nodeLlamaCpp: string,
 *   npmOs: 'linux' | 'win32' | 'darwin',
 *   npmCpu: 'x64' | 'arm64' | 'arm',
 *   nlcPlatform: 'linux' | 'win' | 'mac',
 *   binaries: Partial<Record<Backend, string>>,
 *   defaultBackends: Backend[],
 *   native: { format: 'elf' | 'pe' | 'macho', arch: 'x64' | 'arm64' | 'arm', bits: 32 | 64 },
 *   runtimeGpus: Array<'cuda' | 'vulkan' | 'metal' | false>,
 *   allTargets: boolean,
 * }} TargetSpec
 */

/** @type {Record<string, TargetSpec>} */
export const TARGETS = {
  'linux-x64': {
    nodeLlamaCpp: '3.22.1',
    npmOs: 'linux',
    npmCpu: 'x64',
    nlcPlatform: 'linux',
    binaries: { cpu: 'linux-x64', cuda: 'linux-x64-cuda', 'cuda-ext': 'linux-x64-cuda-ext', vulkan: 'linux-x64-vulkan' },
    defaultBackends: ['cpu', 'cuda', 'cuda-ext', 'vulkan'],
    native: { format: 'elf', arch: 'x64', bits: 64 },
    runtimeGpus: ['cuda', 'vulkan', false],
    allTargets: true,
  },
  'linux-arm64': {
    nodeLlamaCpp: '3.22.1',
    npmOs: 'linux',
    npmCpu: 'arm64',
    nlcPlatform: 'linux',
    binaries: { cpu: 'linux-arm64' },
    defaultBackends: ['cpu'],
    native: { format: 'elf', arch: 'arm64', bits: 64 },
    runtimeGpus: [false],
    allTargets: true,
  },
  // Not in --all-targets: @node-llama-cpp/linux-armv7l@3.22.1 carries aarch64 (64-bit) files, not
  // 32-bit ARM ones (binaryHeaders.mjs reads them), so this vsix fails the package test.
  'linux-armhf': {
    nodeLlamaCpp: '3.22.1',
    npmOs: 'linux',
    npmCpu: 'arm',
    nlcPlatform: 'linux',
    binaries: { cpu: 'linux-armv7l' },
    defaultBackends: ['cpu'],
    native: { format: 'elf', arch: 'arm', bits: 32 },
    runtimeGpus: [false],
    allTargets: false,
  },
  // cuda-ext (the CUDA 12 fallback build, 175 MB compressed) is left out by default: it would double
  // the vsix. `--backends cpu,cuda,cuda-ext,vulkan` adds it.
  'win32-x64': {
    nodeLlamaCpp: '3.21.1',
    npmOs: 'win32',
    npmCpu: 'x64',
    nlcPlatform: 'win',
    binaries: { cpu: 'win-x64', cuda: 'win-x64-cuda', 'cuda-ext': 'win-x64-cuda-ext', vulkan: 'win-x64-vulkan' },
    defaultBackends: ['cpu', 'cuda', 'vulkan'],
    native: { format: 'pe', arch: 'x64', bits: 64 },
    runtimeGpus: ['cuda', 'vulkan', false],
    allTargets: true,
  },
  'win32-arm64': {
    nodeLlamaCpp: '3.21.1',
    npmOs: 'win32',
    npmCpu: 'arm64',
    nlcPlatform: 'win',
    binaries: { cpu: 'win-arm64' },
    defaultBackends: ['cpu'],
    native: { format: 'pe', arch: 'arm64', bits: 64 },
    runtimeGpus: [false],
    allTargets: false,
  },
  // The Metal build is the only macOS arm64 build; with no layers offloaded it runs on the CPU.
  'darwin-arm64': {
    nodeLlamaCpp: '3.21.1',
    npmOs: 'darwin',
    npmCpu: 'arm64',
    nlcPlatform: 'mac',
    binaries: { cpu: 'mac-arm64-metal' },
    defaultBackends: ['cpu'],
    native: { format: 'macho', arch: 'arm64', bits: 64 },
    runtimeGpus: ['metal'],
    allTargets: true,
  },
  'darwin-x64': {
    nodeLlamaCpp: '3.21.1',
    npmOs: 'darwin',
    npmCpu: 'x64',
    nlcPlatform: 'mac',
    binaries: { cpu: 'mac-x64' },
    defaultBackends: ['cpu'],
    native: { format: 'macho', arch: 'x64', bits: 64 },
    runtimeGpus: [false],
    allTargets: true,
  },
};

/** The targets `--all-targets` builds. */
export const ALL_TARGETS = Object.keys(TARGETS).filter((t) => TARGETS[t].allTargets);

/** The target spec, or an Error naming the known targets. */
export function targetSpec(target) {
  const spec = TARGETS[target];
  if (!spec) throw new Error(`node-llama-cpp has no prebuilt binaries for the target ${target}. Targets: ${Object.keys(TARGETS).join(', ')}.`);
  return spec;
}

/**
 * The vsix file name: `target` is its platform tag (undefined: untagged, for this machine),
 * `binaryTarget` whose binaries it carries; a backend choice other than the default is a suffix.
 */
export function vsixFileName(name, version, target, binaryTarget, backends) {
  const spec = targetSpec(binaryTarget);
  const partial = backends !== undefined && (backends.length !== spec.defaultBackends.length || spec.defaultBackends.some((b) => !backends.includes(b)));
  const ordered = partial ? Object.keys(spec.binaries).filter((b) => backends.includes(b)) : [];
  return `${name}${target ? `-${target}` : ''}${partial ? `-${ordered.join('+')}` : ''}-${version}.vsix`;
}

/** Native file kinds by extension: what a vsix for `format` may carry, and what it must not. */
export const NATIVE_EXTENSIONS = { elf: ['.node', '.so'], pe: ['.node', '.dll'], macho: ['.node', '.dylib', '.so'] };
/** Files that are native code (or linker inputs) of some platform, by extension. */
export const ANY_NATIVE = /\.(node|so(\.\d+)*|dll|dylib|exe|lib|exp|pdb|metal|metallib)$/i;
