// One CSV cell, shared by every CSV MedLocal writes (run folders' summary.csv, the panel's exports).
// Text a spreadsheet would run as a formula (=, +, -, @, tab or CR first) gets a leading
// apostrophe, because run folders and model output are untrusted text (CSV injection); numbers are
// rounded to 6 decimals and non-finite numbers written as an empty cell, never "Infinity".

export function csvCell(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(Number(value.toFixed(6))) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
