// Array helpers for input-sized arrays. `into.push(...items)` and `Math.max(...values)` pass every
// element as a call argument, and past roughly 100,000 elements (fewer on a deep stack) that
// throws "Maximum call stack size exceeded": a large user dictionary or dataset must not.

/** Appends every item of `items` to `into`, in order; returns `into`. */
export function appendAll<T>(into: T[], items: Iterable<T>): T[] {
  for (const item of items) into.push(item);
  return into;
}

/** The largest value, like Math.max (NaN if any value is NaN, -Infinity for none), for any length. */
export function maxOf(values: Iterable<number>): number {
  let max = -Infinity;
  for (const value of values) {
    if (Number.isNaN(value)) return NaN;
    if (value > max) max = value;
  }
  return max;
}
