// Types for notices.mjs.
export function shippedPackages(vsix: string): Array<{ name: string; version: string; licence: string }>;
