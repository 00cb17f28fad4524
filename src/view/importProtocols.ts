// Import predictions…: which protocols can score the chosen predictions, each with why, decided
// from what the predictions carry and the dataset the panel would score them against. Harness
// result files carry their own question, choices and gold: only the harness protocol reads them
// (the import refuses any other). IgakuQA baseline files and {id, prediction} files carry no gold:
// they need a dataset, and igakuqa-official needs an IgakuQA folder. Pure: unit-tested.
import type { BenchPredictionsInfo, ProtocolId } from '../protocol/benchProtocol';
import { format, type Strings } from './strings';

export interface ImportProtocolOption {
  protocol: ProtocolId;
  /** Why to pick it: what it does with these predictions. */
  detail: string;
  /** The predictions' own protocol (listed first). */
  isDefault: boolean;
}

export interface ImportProtocolChoice {
  options: ImportProtocolOption[];
  /** Why a protocol is missing, or, with no options, why nothing can score them yet and what to do. */
  note?: string;
}

/** `dataset`: the panel's dataset argument, undefined when none usable (the built-in sample is none). */
export function importProtocolOptions(info: Pick<BenchPredictionsInfo, 'kind' | 'protocol'>, dataset: string | undefined, t: Strings): ImportProtocolChoice {
  if (info.kind === 'harness') return { options: [{ protocol: 'harness', detail: t.importWhyHarnessResults, isDefault: true }] };
  if (dataset === undefined) return { options: [], note: t.importNeedsDataset };
  const igakuqa = dataset.startsWith('igakuqa:');
  const why: Record<ProtocolId, string> = { 'igakuqa-official': t.importWhyOfficial, harness: t.importWhyHarness, medlocal: t.importWhyMedlocal };
  const usable: ProtocolId[] = [...(igakuqa ? ['igakuqa-official' as const] : []), 'harness', 'medlocal'];
  const ordered = [...usable.filter((id) => id === info.protocol), ...usable.filter((id) => id !== info.protocol)];
  return {
    options: ordered.map((protocol) => ({ protocol, detail: why[protocol], isDefault: protocol === info.protocol })),
    ...(igakuqa ? {} : { note: format(t.importOfficialNeedsIgakuqa, dataset) }),
  };
}
