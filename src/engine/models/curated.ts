// Models MedLocal offers to download. Each entry names the exact GGUF the user gets and the licence
// text shown (and accepted) before the download starts.
//
// Only repositories we are reasonably sure exist are listed; none of them could be checked from the
// machine this was written on (no network). Where the exact file name was uncertain the URI uses
// node-llama-cpp's `hf:<user>/<repo>:<quant>` form, which asks Hugging Face for the file of that
// quantization instead of naming it. Sizes are approximate (shown before download, never trusted:
// the download checks the size the server reports and the GGUF itself).

export interface CuratedModel {
  id: string;
  label: string;
  /** A `hf:` URI (or https URL) for downloadModel. */
  uri: string;
  /** Approximate download size in bytes, for the confirmation dialog. */
  approxSizeBytes: number;
  parameters: string;
  quantization: string;
  languages: string[];
  /** Licence summary shown before the download; the user must accept it. */
  licence: { name: string; url: string; text: string };
  /** Why one would pick it. */
  description: string;
  /** The general default offered first. */
  default?: boolean;
}

const LLAMA3_TEXT =
  'Meta Llama 3 Community License. You may use, copy and modify the model, including commercially, ' +
  'if you (a) keep the licence and the notice "Built with Meta Llama 3" with any redistribution, ' +
  '(b) follow the Acceptable Use Policy, and (c) obtain a separate licence from Meta if your products ' +
  'had more than 700 million monthly active users. Outputs may be inaccurate; the model is not a medical device.';

const LLAMA31_TEXT =
  'Llama 3.1 Community License (and, for Swallow v0.3, the Gemma Terms of Use, because part of its ' +
  'training data was generated with Gemma). You may use, copy and modify the model, including ' +
  'commercially, if you keep the licence and the notice "Built with Llama" with any redistribution and ' +
  'follow both acceptable use policies. Outputs may be inaccurate; the model is not a medical device.';

export const CURATED_MODELS: readonly CuratedModel[] = [
  {
    id: 'qwen2.5-7b-instruct-q4_k_m',
    label: 'Qwen2.5 7B Instruct (Q4_K_M)',
    // bartowski's single-file quantization (Qwen's own GGUF repo splits Q4_K_M into two parts).
    uri: 'hf:bartowski/Qwen2.5-7B-Instruct-GGUF/Qwen2.5-7B-Instruct-Q4_K_M.gguf',
    approxSizeBytes: 4.68e9,
    parameters: '7.6B',
    quantization: 'Q4_K_M',
    languages: ['ja', 'en', 'zh', 'multilingual'],
    licence: {
      name: 'Apache-2.0',
      url: 'https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/LICENSE',
      text:
        'Apache License 2.0. You may use, modify and redistribute the model, including commercially, if you ' +
        'keep the licence and notices. It comes without warranty; outputs may be inaccurate and the model ' +
        'is not a medical device.',
    },
    description: 'General default: good Japanese and English, ChatML template, runs on 8 GB of RAM/VRAM.',
    default: true,
  },
  {
    id: 'llama-3-elyza-jp-8b-q4_k_m',
    label: 'Llama-3-ELYZA-JP-8B (Q4_K_M)',
    // ELYZA publishes this GGUF repo itself; its Q4_K_M file name is lower-case ("…-q4_k_m.gguf"),
    // so the quantization form is used rather than a guessed file name.
    uri: 'hf:elyza/Llama-3-ELYZA-JP-8B-GGUF:Q4_K_M',
    approxSizeBytes: 4.9e9,
    parameters: '8B',
    quantization: 'Q4_K_M',
    languages: ['ja', 'en'],
    licence: { name: 'Meta Llama 3 Community License', url: 'https://llama.meta.com/llama3/license/', text: LLAMA3_TEXT },
    description: 'Japanese-tuned Llama 3 8B (ELYZA): natural Japanese answers.',
  },
  {
    id: 'llama-3.1-swallow-8b-instruct-v0.3-q4_k_m',
    label: 'Llama 3.1 Swallow 8B Instruct v0.3 (Q4_K_M)',
    // UNCERTAIN: community quantization by mmnga (who publishes most Japanese GGUFs); the repo name
    // follows his usual "<model>-gguf" pattern but was not verified. The download reports a clear
    // error if Hugging Face does not know it.
    uri: 'hf:mmnga/Llama-3.1-Swallow-8B-Instruct-v0.3-gguf:Q4_K_M',
    approxSizeBytes: 4.9e9,
    parameters: '8B',
    quantization: 'Q4_K_M',
    languages: ['ja', 'en'],
    licence: { name: 'Llama 3.1 Community License + Gemma Terms of Use', url: 'https://huggingface.co/tokyotech-llm/Llama-3.1-Swallow-8B-Instruct-v0.3', text: LLAMA31_TEXT },
    description: 'Japanese continual pre-training of Llama 3.1 8B (Science Tokyo / AIST Swallow project).',
  },
  // No medical-specialised 7–8B GGUF is listed: none could be verified (the Japanese medical models
  // we know of, e.g. Preferred-MedSwallow / MedLLM, are 70B class). Users can still download any
  // hf: URI or URL.
];

export function curatedModel(id: string): CuratedModel | undefined {
  return CURATED_MODELS.find((model) => model.id === id);
}
