// How a number of the evaluation prints: percentages, intervals, percentage-point differences,
// p-values, durations and answer letters. One function each, used by the CLI's report, the run
// files, and the panel (view model and exports), so the same number prints the same way everywhere.

/** Shown where a value is missing. */
export const DASH = '—';

/** 0.7222 → "72.2%". */
export function percent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

/** [0.559, 0.842] → "55.9–84.2%". */
export function intervalText(interval: readonly [number, number]): string {
  return `${(interval[0] * 100).toFixed(1)}–${(interval[1] * 100).toFixed(1)}%`;
}

/** A difference of proportions in percentage points: 0.056 → "+5.6 pt", -0.03 → "−3.0 pt". */
export function pointsText(difference: number): string {
  const rounded = Math.round(difference * 1000) / 10;
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '±';
  return `${sign}${Math.abs(rounded).toFixed(1)} pt`;
}

/** A signed interval in percentage points: "−2.1 to +13.4 pt". */
export function pointsIntervalText(interval: readonly [number, number]): string {
  return `${pointsText(interval[0]).replace(' pt', '')} to ${pointsText(interval[1])}`;
}

/** A p-value: three decimals ("0.215", "1.000"), exponent form below 0.001 ("7.629e-6"). */
export function pValueText(p: number): string {
  return p !== 0 && p < 0.001 ? p.toExponential(3) : p.toFixed(3);
}

/** 42 → "42s", 185 → "3m 05s", 3720 → "1h 02m". */
export function durationText(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m ${String(secs).padStart(2, '0')}s`;
  return `${secs}s`;
}

/** Zero-based choice indices → "a,c"; none → "—". */
export function choiceLetters(indices: readonly number[]): string {
  if (indices.length === 0) return DASH;
  return indices.map((index) => (index >= 0 && index < 26 ? String.fromCharCode(97 + index) : `#${index}`)).join(',');
}
