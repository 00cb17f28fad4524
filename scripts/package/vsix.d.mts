// Types for vsix.mjs (plain ESM so that package.mjs runs on Node without a build step).
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export function listZip(file: string): ZipEntry[];
export function readZipEntry(file: string, entry: ZipEntry): Buffer;
/** Extracts every entry below `destination`; returns `<destination>/extension`. */
export function extractZip(file: string, destination: string): string;

export type { Backend } from "./targets.mjs";
import type { Backend } from "./targets.mjs";
export function hostTarget(): string;
export const TARGET_BINARIES: Record<string, Partial<Record<Backend, string>>>;
export function binaryPackagesFor(target: string, backends?: readonly string[]): Array<{ backend: Backend; name: string }>;
export function vsixProblems(entries: readonly ZipEntry[], binaries: { required: readonly string[]; allowed?: readonly string[] }): string[];
export function formatMB(bytes: number): string;
export function describeVsix(file: string, entries: readonly ZipEntry[], top?: number): string;

export const PACKAGE_INPUTS: readonly string[];
export function newestInput(root: string, paths?: readonly string[]): number;
