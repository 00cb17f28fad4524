// How the panel prints values: the evaluation core's number formats (one set for the CLI, the run
// files and the panel), plus dates, paths, dataset labels and run statuses.
import { DASH } from '../eval/report/numbers';
import { STRINGS, type Strings } from './strings';

export { DASH, choiceLetters, durationText, intervalText, percent, pointsIntervalText, pointsText, pValueText } from '../eval/report/numbers';

const EN = STRINGS.en;

/** ISO time → "2026-01-31 14:05" (local time, or UTC when asked: tests). */
export function dateText(iso: string | undefined, utc = false): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = utc
    ? [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes()]
    : [date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes()];
  const [year, month, day, hour, minute] = parts.map((n) => String(n).padStart(2, '0'));
  return `${year}-${month}-${day} ${hour}:${minute}`;
}

/** The last part of a path, either separator. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** `igakuqa:/data/IgakuQA/2018` → "igakuqa: 2018"; `sample` stays. */
export function datasetLabel(dataset: string | undefined): string {
  if (!dataset) return DASH;
  const colon = dataset.indexOf(':');
  if (colon === -1) return dataset;
  return `${dataset.slice(0, colon)}: ${baseName(dataset.slice(colon + 1))}`;
}

export function statusLabel(status: string, t: Strings = EN): string {
  switch (status) {
    case 'completed':
      return t.statusCompleted;
    case 'cancelled':
      return t.statusCancelled;
    case 'failed':
      return t.statusFailed;
    case 'interrupted':
      return t.statusInterrupted;
    case 'running':
      return t.statusRunning;
    case 'damaged':
      return t.statusDamaged;
    default:
      return status;
  }
}
