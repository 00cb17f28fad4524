// The server's user-facing messages in the client's language. Messages are written in English where
// they arise (errors carry the facts: paths, sizes); at the edge (status, errors sent to the client,
// settings warnings) they are translated by pattern, so a message without a translation still
// reaches the user in English rather than not at all.
type Rule = [RegExp, string];

const JA: Rule[] = [
  [/^No model is configured\.$/, 'モデルが設定されていません。'],
  [/^Set `medlocal\.model\.path` to a GGUF model file \(for example a Qwen2\.5-7B-Instruct Q4_K_M\)\.$/, '`medlocal.model.path` に GGUF モデルファイルを設定してください（例: Qwen2.5-7B-Instruct Q4_K_M）。'],
  [/^Set `medlocal\.model\.path` to a readable \.gguf model file \(MedLocal: Show Status shows the current one\)\.$/, '`medlocal.model.path` に読み取り可能な .gguf モデルファイルを設定してください（現在の設定は MedLocal: 状態を表示 で確認できます）。'],
  [/^The model path (.+) is not a file\.$/, 'モデルのパス $1 はファイルではありません。'],
  [/^The model file (.+) does not exist\.$/, 'モデルファイル $1 が存在しません。'],
  [/^The model file (.+) is not readable \(permission denied\)\.$/, 'モデルファイル $1 を読み取れません（権限がありません）。'],
  [/^The model file (.+) cannot be read \((.+)\)\.$/, 'モデルファイル $1 を読み取れません（$2）。'],
  [/^(.+) is not a GGUF model file \(it is empty\)\.$/, '$1 は GGUF モデルファイルではありません（空のファイルです）。'],
  [/^(.+) is not a GGUF model file \(wrong file signature\)\.$/, '$1 は GGUF モデルファイルではありません（ファイル形式が違います）。'],
  [/^MedLocal loads GGUF models \(\.gguf\)\. Convert the model with llama\.cpp or download a GGUF release\.$/, 'MedLocal は GGUF 形式（.gguf）のモデルを読み込みます。llama.cpp で変換するか、GGUF 版をダウンロードしてください。'],
  [/^The model file (.+) is not a valid GGUF file \((.+)\); it may be truncated or corrupt\.$/, 'モデルファイル $1 は有効な GGUF ファイルではありません（$2）。途中で切れているか破損している可能性があります。'],
  [/^Download the model again, or pick another \.gguf file\.$/, 'モデルをもう一度ダウンロードするか、別の .gguf ファイルを選んでください。'],
  [/^The model file (.+) is truncated \((\d+) bytes, but tensor data starts at byte (\d+)\)\.$/, 'モデルファイル $1 は途中で切れています（$2 バイトですが、テンソルデータは $3 バイト目から始まります）。'],
  [/^The model file (.+) is truncated: (.+)\.$/, 'モデルファイル $1 は途中で切れています: $2。'],
  [/^The download or copy was cut short: download the model again\.$/, 'ダウンロードまたはコピーが途中で終わっています。モデルをもう一度ダウンロードしてください。'],
  [/^The model architecture "(.+)" in (.+) is not supported by this version of the engine\.$/, '$2 のモデルアーキテクチャ「$1」は、このバージョンのエンジンでは使えません。'],
  [/^Pick a model of a supported architecture \(for example llama or qwen2\)\.$/, '対応するアーキテクチャ（llama、qwen2 など）のモデルを選んでください。'],
  [/^The model file (.+) lacks required metadata: (.+)\.$/, 'モデルファイル $1 に必要なメタデータがありません: $2。'],
  [/^(.+) is a LoRA adapter, not a model\.$/, '$1 は LoRA アダプターで、モデルではありません。'],
  [/^A LoRA adapter does not fit the model (.+?): (.+)$/, 'LoRA アダプターがモデル $1 に適合しません: $2'],
  [/^The LoRA adapter (.+) does not exist or cannot be read\.$/, 'LoRA アダプター $1 が存在しないか、読み取れません。'],
  [/^Not enough memory to load (.+?): (.+)$/, '$1 を読み込むためのメモリが足りません: $2'],
  [/^Lower `medlocal\.model\.contextSize` or `medlocal\.model\.gpuLayers`, or pick a smaller quantization\.$/, '`medlocal.model.contextSize` か `medlocal.model.gpuLayers` を下げるか、より小さい量子化のモデルを選んでください。'],
  [/^The model (.+?) could not be loaded: (.+)$/, 'モデル $1 を読み込めませんでした: $2'],
  [/^Check that the file is a complete GGUF model of a supported architecture, then run MedLocal: Restart Server\.$/, 'ファイルが対応アーキテクチャの完全な GGUF モデルか確認し、MedLocal: サーバーを再起動 を実行してください。'],
  [/^Check the model settings, then run MedLocal: Restart Server\.$/, 'モデルの設定を確認し、MedLocal: サーバーを再起動 を実行してください。'],
  [/^The (cuda|vulkan|metal) backend could not start \((.+)\); using the CPU instead\.$/, '$1 バックエンドを起動できませんでした（$2）。代わりに CPU を使います。'],
  [/^No GPU backend can run on this machine \(no CUDA, Vulkan or Metal found\); the model runs on the CPU\.$/, 'このマシンでは GPU バックエンド（CUDA、Vulkan、Metal）を使えないため、モデルは CPU で動作します。'],
  [/^The question is empty: select a question or put the cursor on a question line\.$/, '質問が空です。質問を選択するか、質問の行にカーソルを置いてください。'],
  [/^MedLocal: setting (\S+) (.+)\. The default is used\.$/, 'MedLocal: 設定 $1 の値が正しくありません（$2）。既定値を使います。'],
  [/^Loading (.+)$/, '$1 を読み込んでいます'],
  // Dictionary files (medlocal.dictionaries)
  [/^cannot read the file: file not found$/, 'ファイルを読み取れません: ファイルが見つかりません'],
  [/^cannot read the file: permission denied$/, 'ファイルを読み取れません: 権限がありません'],
  [/^cannot read the file: is a directory, not a file$/, 'ファイルを読み取れません: ファイルではなくフォルダーです'],
  [/^cannot read the file: (.+)$/, 'ファイルを読み取れません: $1'],
  [/^(\d+) more problems not listed$/, 'ほかに $1 件の問題があります（一覧は省略）'],
  [/^expected at least (\d+) fields as in the header, found (\d+)$/, 'ヘッダーどおり少なくとも $1 列必要ですが、$2 列しかありません'],
  [/^expected at most (\d+) fields as in the header, found (\d+)$/, 'ヘッダーでは最大 $1 列ですが、$2 列あります'],
  [/^expected 4 fields \(出現形,ICD10,標準病名,信頼度\), found (\d+)$/, '4 列（出現形,ICD10,標準病名,信頼度）が必要ですが、$1 列です'],
  [/^empty 出現形 \(term\)$/, '出現形（用語）が空です'],
  [/^invalid ICD-10 code "(.*)": the term is kept without a code$/, 'ICD-10 コード「$1」が不正です。用語はコードなしで登録します'],
  [/^no header line: expected columns such as term, ja, en, reading, icd10, mesh, definition, synonyms$/, 'ヘッダー行がありません。term、ja、en、reading、icd10、mesh、definition、synonyms などの列が必要です'],
  [/^the header names none of the columns term, ja, en \(found: (.*)\)$/, 'ヘッダーに term、ja、en のいずれの列もありません（見つかった列: $1）'],
  [/^no term, ja or en$/, 'term、ja、en のいずれもありません'],
  [/^unknown kind "(.*)" \(expected (.+)\): using "other"$/, '種別「$1」は不明です（$2 のいずれか）。「other」として扱います'],
  [/^invalid MeSH UI "(.*)": ignored$/, 'MeSH UI「$1」が不正なため無視します'],
  [/^XML error: (.+)$/, 'XML エラー: $1'],
  [/^too many XML errors: stopped reading$/, 'XML エラーが多すぎるため読み込みを中止しました'],
  [/^not a MeSH descriptor file \(no <DescriptorRecordSet>\)$/, 'MeSH 記述子ファイルではありません（<DescriptorRecordSet> がありません）'],
  [/^unclosed quote$/, '引用符が閉じていません'],
  [/^unbalanced quote: the line does not form one record$/, '引用符の対応が取れず、1 件のレコードになりません'],
  [/^has a UTF-8 byte-order mark but is not valid UTF-8$/, 'UTF-8 の BOM がありますが、UTF-8 として正しくありません'],
  [/^cannot decide the text encoding: (.+)$/, '文字コードを判定できません: $1'],
  [/^unrecognised dictionary format: (.+)$/, '辞書の形式を認識できません: $1'],
];

let locale = 'en';

export function setLocale(value: unknown): void {
  locale = typeof value === 'string' && value ? value.toLowerCase() : 'en';
}

/** The message in the client's language when a translation exists, else as given. */
export function localize(message: string): string {
  if (!locale.startsWith('ja')) return message;
  for (const [pattern, template] of JA) {
    if (pattern.test(message)) return message.replace(pattern, template);
  }
  return message;
}

export function localizeOptional(message: string | undefined): string | undefined {
  return message === undefined ? undefined : localize(message);
}
