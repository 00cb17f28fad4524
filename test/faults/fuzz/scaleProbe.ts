// Loads one dictionary file and prints `<ms> <entries> <messages> <messagesNamingTheFile>`; run in
// its own process by test/faults/loaderFuzz.test.ts so a super-linear loader is killed, not waited on.
import { loadDictionaryFile } from '../../../src/terms/loaders';

const file = process.argv[2];
if (!file) throw new Error('usage: scaleProbe.ts FILE');
const t0 = performance.now();
void loadDictionaryFile(file).then((result) => {
  const ms = performance.now() - t0;
  process.stdout.write(`${ms.toFixed(1)} ${result.entries.length} ${result.skipped.length} ${result.skipped.filter((s) => s.file === file).length}\n`);
});
