// Runs the doctor in its own process (it starts a Llama: native code stays out of the test
// runner) and prints one JSON line: { ok, doctor?, fit?, text?, error? }.
import { diagnosticsText, fitEstimate, gpuDoctor } from '../../../../src/engine/models/doctor';

async function main(): Promise<void> {
  const [modelPath, gpuLayers, contextSize] = process.argv.slice(2);
  const doctor = await gpuDoctor();
  const fit = modelPath ? await fitEstimate(modelPath, { gpuLayers: gpuLayers === 'max' || gpuLayers === 'auto' ? gpuLayers : Number(gpuLayers ?? 0), contextSize: Number(contextSize ?? 512) }) : undefined;
  const text = diagnosticsText({ doctor, ...(fit ? { fit } : {}), settings: { path: modelPath ?? '', gpu: 'auto', gpuLayers: 'auto', contextSize: Number(contextSize ?? 512), threads: 1 } });
  process.stdout.write(`${JSON.stringify({ ok: true, doctor, fit, text })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stdout.write(`${JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) })}\n`);
    process.exit(1);
  },
);
