// The server's user-facing messages in the client's language. Messages are written in English where
// they arise (errors carry the facts: paths, sizes); at the edge (status, errors sent to the client,
// settings warnings) they are translated by pattern, so a message without a translation still
// reaches the user in English rather than not at all.
//
// A template is a replacement string ($1 keeps a fact verbatim), or a function for a message that
// embeds another translatable message (a reason inside parentheses, a list of skip reasons).
type Template = string | ((match: string, ...groups: string[]) => string);
type Rule = [RegExp, Template];

/** What a run file turned out to be, in Japanese (bench/runFileAccess.ts kindOf). */
const FILE_KINDS_JA: Record<string, string> = {
  'a named pipe (FIFO)': '名前付きパイプ（FIFO）',
  'a device': 'デバイス',
  'a socket': 'ソケット',
  'a folder': 'フォルダー',
  'a symbolic link': 'シンボリックリンク',
  'a special file': '特殊ファイル',
  'a socket or device': 'ソケットまたはデバイス',
};

/** A message embedded in another one: translated on its own, without its closing 。. */
const inner = (message: string): string => localize(message).replace(/。$/, '');

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
  [/^The model file (.+) is not a valid GGUF file \((.+)\); it may be truncated or corrupt\.$/, (_, file: string, why: string) => `モデルファイル ${file} は有効な GGUF ファイルではありません（${inner(why)}）。途中で切れているか破損している可能性があります。`],
  [/^The model file (.+) is in GGUF format version (\S+), which MedLocal cannot read \(it reads versions 2 and 3\)\.$/, 'モデルファイル $1 は GGUF 形式のバージョン $2 で、MedLocal では読み込めません（読み込めるのはバージョン 2 と 3 です）。'],
  [/^Version 1 is an early GGUF format: download a current GGUF release of the model, or convert it again with a current llama\.cpp\.$/, 'バージョン 1 は初期の GGUF 形式です。モデルの現在の GGUF 版をダウンロードするか、最新の llama.cpp で変換し直してください。'],
  // What our GGUF header reader (engine/ggufReader.ts) finds wrong, embedded in the message above
  [/^the file ends at byte (\d+) inside (.+) at byte (\d+)( \(it shrank while being read\))?$/, (_, end: string, what: string, at: string, shrank?: string) => `ファイルが ${end} バイト目で終わっていますが、${at} バイト目からの${ggufPart(what)}の途中です${shrank ? '（読み込み中にファイルが縮みました）' : ''}`],
  [/^the header at byte 8 claims (\d+) tensors and (\d+) metadata entries, which need at least (\d+) bytes, but only (\d+) bytes remain in the file$/, '8 バイト目のヘッダーはテンソル $1 個とメタデータ $2 件があるとしていますが、それには少なくとも $3 バイト必要で、ファイルには残り $4 バイトしかありません'],
  [/^the header at byte (\d+) claims (\d+) (tensors|metadata entries), over the limit of (\d+)$/, (_, at: string, count: string, unit: string, limit: string) => `${at} バイト目のヘッダーは${unit === 'tensors' ? 'テンソル' : 'メタデータ'} ${count} ${unit === 'tensors' ? '個' : '件'}があるとしていますが、上限の ${limit} を超えています`],
  [/^(.+) at byte (\d+) claims (\d+) bytes, but only (\d+) bytes remain in the file$/, (_, what: string, at: string, length: string, rest: string) => `${at} バイト目の${ggufPart(what)}は ${length} バイトあるとしていますが、ファイルには残り ${rest} バイトしかありません`],
  [/^(.+) at byte (\d+) is (\d+) bytes long, over the limit of (\d+)$/, (_, what: string, at: string, length: string, limit: string) => `${at} バイト目の${ggufPart(what)}は ${length} バイトで、上限の ${limit} を超えています`],
  [/^the array at byte (\d+) claims (\d+) elements of at least (\d+) bytes each, but only (\d+) bytes remain in the file$/, '$1 バイト目の配列は要素が $2 個（各 $3 バイト以上）あるとしていますが、ファイルには残り $4 バイトしかありません'],
  [/^the array at byte (\d+) has (\d+) elements, over the limit of (\d+)$/, '$1 バイト目の配列の要素数 $2 は上限の $3 を超えています'],
  [/^the metadata strings up to byte (\d+) hold more than (\d+) bytes of text, over the limit$/, '$1 バイト目までのメタデータの文字列が合計 $2 バイトの上限を超えています'],
  [/^unknown metadata value type (\d+) at byte (\d+)$/, '$2 バイト目に不明なメタデータの値の型 $1 があります'],
  [/^arrays are nested more than (\d+) deep at byte (\d+)$/, '$2 バイト目で配列が $1 段を超えて入れ子になっています'],
  [/^the metadata key "(.*)" at byte (\d+) appears twice$/s, '$2 バイト目のメタデータのキー「$1」が重複しています'],
  [/^general\.alignment is (.+); it must be a power of two$/s, 'general.alignment が $1 ですが、2 のべき乗でなければなりません'],
  [/^the tensor "(.*)" at byte (\d+) appears twice$/s, '$2 バイト目のテンソル「$1」が重複しています'],
  [/^the tensor "(.*)" at byte (\d+) has (\d+) dimensions \(at most (\d+) are allowed\)$/s, '$2 バイト目のテンソル「$1」の次元数は $3 ですが、最大 $4 までです'],
  [/^the tensor "(.*)" at byte (\d+) has a shape too large to address$/s, '$2 バイト目のテンソル「$1」の形状が大きすぎて扱えません'],
  [/^the tensor "(.*)" at byte (\d+) has an invalid ggml type (\d+)$/s, '$2 バイト目のテンソル「$1」の ggml 型 $3 は無効です'],
  [/^the tensor "(.*)" at byte (\d+) has an invalid data offset (\d+) \(it must be a multiple of (\d+) and inside a file\)$/s, '$2 バイト目のテンソル「$1」のデータ オフセット $3 は無効です（$4 の倍数で、ファイル内でなければなりません）'],
  [/^Download the model again, or pick another \.gguf file\.$/, 'モデルをもう一度ダウンロードするか、別の .gguf ファイルを選んでください。'],
  [/^The model file (.+) is truncated \((\d+) bytes, but tensor data starts at byte (\d+)\)\.$/, 'モデルファイル $1 は途中で切れています（$2 バイトですが、テンソルデータは $3 バイト目から始まります）。'],
  [/^The model file (.+) is truncated: it has (\d+) bytes, but its tensors need (\d+)\.$/, 'モデルファイル $1 は途中で切れています（$2 バイトしかありませんが、テンソルには $3 バイト必要です）。'],
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
  [/^the dictionary could not be loaded \((.+)\)$/, '辞書を読み込めませんでした（$1）'],
  [/^unrecognised dictionary format: (.+)$/, '辞書の形式を認識できません: $1'],
  // Model downloads (models/download.ts)
  [/^"(.+)" is not a model URI MedLocal can download\.$/, '「$1」は、MedLocal でダウンロードできるモデルの URI ではありません。'],
  [/^Use hf:<user>\/<repo>:<quantization> \(for example (\S+)\) or an https:\/\/ URL of a \.gguf file\.$/, 'hf:<user>/<repo>:<quantization>（例: $1）か、.gguf ファイルの https:// URL を指定してください。'],
  [/^(.+) is already being downloaded\.$/, '$1 は既にダウンロード中です。'],
  [/^Wait for that download to finish, or cancel it\.$/, 'そのダウンロードが終わるまで待つか、キャンセルしてください。'],
  [/^Cannot reach (\S+) to download the model \((.+)\)\.$/, 'モデルをダウンロードするために $1 に接続できません（$2）。'],
  [/^Check the network connection and the URL, then try again\.$/, 'ネットワーク接続と URL を確認してから、もう一度お試しください。'],
  [/^The server refused the download of the model file \(HTTP (\d+)\)\.$/, 'サーバーがモデルファイルのダウンロードを拒否しました（HTTP $1）。'],
  [/^The server refused the download of (.+) \(HTTP (\d+)\)\.$/, 'サーバーが $1 のダウンロードを拒否しました（HTTP $2）。'],
  [/^The model may be gated: accept its licence on huggingface\.co and sign in with `huggingface-cli login` \(or set HF_TOKEN before starting VS Code\), or pick another model\.$/, 'アクセスが制限されたモデルの可能性があります。huggingface.co でライセンスに同意し、`huggingface-cli login` でサインインする（または VS Code を起動する前に HF_TOKEN を設定する）か、別のモデルを選んでください。'],
  [/^the model file was not found \(HTTP 404\)\.$/, 'モデルファイルが見つかりません（HTTP 404）。'],
  [/^(.+) was not found \(HTTP 404\)\.$/, '$1 が見つかりません（HTTP 404）。'],
  [/^Check the repository, file name and quantization in the URI\.$/, 'URI のリポジトリ、ファイル名、量子化を確認してください。'],
  [/^The server answered HTTP (\d+) for the model file\.$/, 'モデルファイルの要求に対して、サーバーが HTTP $1 を返しました。'],
  [/^The server answered HTTP (\d+) for (.+)\.$/, '$2 の要求に対して、サーバーが HTTP $1 を返しました。'],
  [/^Try again later, or pick another download source\.$/, '時間をおいてもう一度お試しいただくか、別のダウンロード元を選んでください。'],
  [/^No answer about (.+) within (\d+) s\.$/, '$1 について $2 秒以内に応答がありませんでした。'],
  [/^Check the network connection, then try again\.$/, 'ネットワーク接続を確認してから、もう一度お試しください。'],
  [/^Could not start the download of (.+?): (.+)$/s, '$1 のダウンロードを開始できませんでした: $2'],
  [/^Check the repository and quantization on huggingface\.co \(or the URL\), then try again\.$/, 'huggingface.co でリポジトリと量子化（または URL）を確認してから、もう一度お試しください。'],
  [/^There is not enough disk space in (.+) for the model\.$/, '$1 に、モデルを保存するためのディスクの空き容量が足りません。'],
  [/^Free up disk space, then run the download again: it resumes from what was received\.$/, 'ディスクの空き容量を増やしてから、もう一度ダウンロードしてください。受信済みの部分から再開されます。'],
  [/^MedLocal cannot write to the models folder (.+) \((\w+)\)\.$/, 'MedLocal はモデルのフォルダー $1 に書き込めません（$2）。'],
  [/^Set `medlocal\.model\.directory` to a folder you can write to, then try again\.$/, '`medlocal.model.directory` に書き込み可能なフォルダーを設定してから、もう一度お試しください。'],
  [/^The download failed: (.+)$/s, 'ダウンロードに失敗しました: $1'],
  [/^Run the download again: it resumes from what was received\.$/, 'もう一度ダウンロードしてください。受信済みの部分から再開されます。'],
  [/^The download stalled: no data for (\d+) s\.$/, 'ダウンロードが止まりました: $1 秒間データを受信していません。'],
  [/^The download of (.+?) is incomplete or corrupt \((.+?): (.+)\)\. Nothing was saved as the model\.$/, (_, uri: string, file: string, problem: string) => `${uri} のダウンロードが不完全か、破損しています（${file}: ${inner(problem)}）。モデルとしては何も保存していません。`],
  [/^the file is missing after the transfer$/, '転送後にファイルが見つかりません'],
  [/^received (\d+) of (\d+) bytes$/, '$2 バイトのうち $1 バイトしか受信していません'],
  [/^the file is empty$/, 'ファイルが空です'],
  [/^it does not start with the GGUF signature$/, 'GGUF のシグネチャで始まっていません'],
  [/^Download it again; if this repeats, the server is serving a broken file: pick another source\.$/, 'もう一度ダウンロードしてください。繰り返し発生する場合は、サーバーが壊れたファイルを配信しています。別のダウンロード元を選んでください。'],
  [/^Cancelled$/, 'キャンセルされました'],
  [/^The operation was cancelled$/, '操作はキャンセルされました'],
  // File-system errors as Node.js words them (a folder that cannot be written, a full disk)
  [/^EACCES: permission denied, (\w+) '([^']+)'(?: -> '[^']+')?$/, '$2 にアクセスできません（アクセス許可がありません。操作: $1）。'],
  [/^EPERM: operation not permitted, (\w+) '([^']+)'(?: -> '[^']+')?$/, '$2 に対するこの操作は許可されていません（操作: $1）。'],
  [/^EROFS: read-only file system, (\w+) '([^']+)'(?: -> '[^']+')?$/, '$2 は読み取り専用のファイル システム上にあるため、書き込めません（操作: $1）。'],
  [/^ENOSPC: no space left on device, (\w+)(?: '([^']+)')?(?: -> '[^']+')?$/, 'ディスクの空き容量が足りません（操作: $1）。'],
  [/^ENOENT: no such file or directory, (\w+) '([^']+)'(?: -> '[^']+')?$/, '$2 が見つかりません（操作: $1）。'],
  [/^ENOTDIR: not a directory, (\w+) '([^']+)'(?: -> '[^']+')?$/, '$2 のパスの途中に、フォルダーではないファイルがあります（操作: $1）。'],
  // OpenAI-compatible servers (engine/openaiEngine.ts, engine/remoteEngine.ts, modelHost.ts)
  [/^No server URL is configured\.$/, 'サーバーの URL が設定されていません。'],
  [/^Set `medlocal\.openai\.baseUrl` to the API root of an OpenAI-compatible server \(e\.g\. (\S+)\), or set `medlocal\.backend` to local\.$/, '`medlocal.openai.baseUrl` に OpenAI 互換サーバーの API ルート（例: $1）を設定するか、`medlocal.backend` を local に設定してください。'],
  [/^"(.+)" is not a URL\.$/, '「$1」は URL ではありません。'],
  [/^"(.+)" URLs are not supported for the server\.$/, 'サーバーには「$1」の URL を使えません。'],
  [/^The server URL must not contain a user name or password\.$/, 'サーバーの URL にユーザー名やパスワードを含めないでください。'],
  [/^Put the key in the API key setting instead\.$/, 'キーは URL に含めず、API キーとして設定してください。'],
  [/^Set the server URL to its OpenAI API root, e\.g\. (\S+) \(llama-server\) or (\S+) \(vLLM\)\.$/, 'サーバーの URL には OpenAI API のルートを設定してください（例: llama-server は $1、vLLM は $2）。'],
  [/^Cannot reach the OpenAI-compatible server at (\S+) \(no answer within (\d+) s\)\.$/, '$1 の OpenAI 互換サーバーに接続できません（$2 秒以内に応答がありませんでした）。'],
  [/^Cannot reach the OpenAI-compatible server at (\S+) \((.+)\)\.$/, '$1 の OpenAI 互換サーバーに接続できません（$2）。'],
  [/^Check that the server is running and reachable from this machine, and that the URL is right\. Set the server URL to its OpenAI API root, e\.g\. (\S+) \(llama-server\) or (\S+) \(vLLM\)\.$/, 'サーバーが起動していてこのマシンから接続できること、URL が正しいことを確認してください。サーバーの URL には OpenAI API のルートを設定してください（例: llama-server は $1、vLLM は $2）。'],
  [/^the OpenAI-compatible server at (\S+) rejected the API key \(HTTP (\d+)\)\.$/, '$1 の OpenAI 互換サーバーが API キーを拒否しました（HTTP $2）。'],
  [/^the OpenAI-compatible server at (\S+) rejected the API key \(HTTP (\d+): (.+)\)\.$/, '$1 の OpenAI 互換サーバーが API キーを拒否しました（HTTP $2: $3）。'],
  [/^the OpenAI-compatible server at (\S+) requires an API key \(HTTP (\d+)\)\.$/, '$1 の OpenAI 互換サーバーには API キーが必要です（HTTP $2）。'],
  [/^The API key of the OpenAI-compatible server is longer than (\d+) characters\.$/, 'OpenAI 互換サーバーの API キーが $1 文字を超えています。'],
  [/^The API key of the OpenAI-compatible server contains a space or line break inside it\.$/, 'OpenAI 互換サーバーの API キーの途中に空白または改行が含まれています。'],
  [/^The API key of the OpenAI-compatible server contains a control character\.$/, 'OpenAI 互換サーバーの API キーに制御文字が含まれています。'],
  [/^The API key of the OpenAI-compatible server contains a character that is not printable ASCII \(letters, digits, punctuation\)\.$/, 'OpenAI 互換サーバーの API キーに、印字可能な ASCII 文字（英字・数字・記号）以外の文字が含まれています。'],
  [/^Set the API key of this server again in MedLocal \(it is kept in the editor's secret storage\), or check the key the server was started with\.$/, 'MedLocal: OpenAI 互換サーバーの API キーを設定 でキーを設定し直すか（キーはエディターのシークレット ストレージに保存されます）、サーバーの起動時に指定したキーを確認してください。'],
  [/^the OpenAI-compatible server at (\S+) has no (\S+) endpoint \(HTTP (\d+)\); it does not look like an OpenAI-compatible API at this URL\.$/, '$1 の OpenAI 互換サーバーには $2 エンドポイントがありません（HTTP $3）。この URL は OpenAI 互換 API ではないようです。'],
  [/^the OpenAI-compatible server at (\S+) refused the request to (\S+) \(HTTP (\d+)\)\.$/, '$1 の OpenAI 互換サーバーが $2 へのリクエストを拒否しました（HTTP $3）。'],
  [/^the OpenAI-compatible server at (\S+) refused the request to (\S+) \(HTTP (\d+): (.+)\)\.$/, '$1 の OpenAI 互換サーバーが $2 へのリクエストを拒否しました（HTTP $3: $4）。'],
  [/^Check the model name and the server's limits \(context size, max tokens\)\.$/, 'モデル名と、サーバーの上限（コンテキスト サイズ、最大トークン数）を確認してください。'],
  [/^the OpenAI-compatible server at (\S+) failed on (\S+) \(HTTP (\d+)\)\.$/, '$1 の OpenAI 互換サーバーで $2 の処理が失敗しました（HTTP $3）。'],
  [/^the OpenAI-compatible server at (\S+) failed on (\S+) \(HTTP (\d+): (.+)\)\.$/, '$1 の OpenAI 互換サーバーで $2 の処理が失敗しました（HTTP $3: $4）。'],
  [/^Check the server log \(it may be out of memory or still loading the model\), then try again\.$/, 'サーバーのログを確認してから、もう一度お試しください（メモリ不足か、モデルを読み込み中の可能性があります）。'],
  [/^the OpenAI-compatible server at (\S+) answered (\S+) with no `data` list of models; it does not look like an OpenAI-compatible API\.$/, '$1 の OpenAI 互換サーバーが $2 に対して、モデルの一覧（`data`）のない応答を返しました。OpenAI 互換 API ではないようです。'],
  [/^the OpenAI-compatible server at (\S+) answered (\S+) with no `choices`; it does not look like an OpenAI-compatible API\.$/, '$1 の OpenAI 互換サーバーが $2 に対して、`choices` のない応答を返しました。OpenAI 互換 API ではないようです。'],
  [/^the OpenAI-compatible server at (\S+) answered (\S+) with an empty body instead of an event stream; it does not look like an OpenAI-compatible API\.$/, '$1 の OpenAI 互換サーバーが $2 に対して、イベント ストリームではなく空の本文を返しました。OpenAI 互換 API ではないようです。'],
  [/^the OpenAI-compatible server at (\S+) answered (\S+) with an event that is not JSON \("(.*)"\); it does not look like an OpenAI-compatible API\.$/s, '$1 の OpenAI 互換サーバーが $2 に対して、JSON ではないイベント（「$3」）を返しました。OpenAI 互換 API ではないようです。'],
  [/^the OpenAI-compatible server at (\S+) answered (\S+) with an event that is not a JSON object; it does not look like an OpenAI-compatible API\.$/, '$1 の OpenAI 互換サーバーが $2 に対して、JSON オブジェクトではないイベントを返しました。OpenAI 互換 API ではないようです。'],
  [/^the OpenAI-compatible server at (\S+) answered (\S+) with (.+) instead of JSON \("(.*)"\); it does not look like an OpenAI-compatible API\.$/s, (_, server: string, path: string, type: string, text: string) => `${server} の OpenAI 互換サーバーが ${path} に対して、JSON ではなく${type === 'an unknown type' ? '不明な形式の応答' : ` ${type} `}を返しました（「${text}」）。OpenAI 互換 API ではないようです。`],
  [/^the OpenAI-compatible server at (\S+) returned no log-probabilities of the next token \(top_logprobs on (\S+)\)(?: \((.+)\))?\. Next-token scoring \(letter answers\) needs top_logprobs; continuation scoring needs echo \+ logprobs\. Generation works without them\.$/, (_, server: string, path: string, detail: string | undefined) => `${server} の OpenAI 互換サーバーは、次のトークンの対数確率（${path} の top_logprobs）を返しませんでした${detail ? `（${inner(detail)}）` : ''}。${LOGPROBS_NEEDED}`],
  [/^the OpenAI-compatible server at (\S+) returned no log-probabilities of the prompt tokens \(echo with logprobs on \/completions\)(?: \((.+)\))?\. Next-token scoring \(letter answers\) needs top_logprobs; continuation scoring needs echo \+ logprobs\. Generation works without them\.$/, (_, server: string, detail: string | undefined) => `${server} の OpenAI 互換サーバーは、プロンプトのトークンの対数確率（/completions での echo と logprobs）を返しませんでした${detail ? `（${inner(detail)}）` : ''}。${LOGPROBS_NEEDED}`],
  [/^Use a server that returns log-probabilities \(vLLM supports both modes; llama\.cpp's llama-server supports next-token scoring\), or run the model locally in MedLocal\.$/, '対数確率を返すサーバーを使うか（vLLM は両方の方式に、llama.cpp の llama-server は次のトークンのスコアリングに対応しています）、MedLocal でモデルをローカルで実行してください。'],
  [/^the OpenAI-compatible server at (\S+) closed the answer stream before it was complete\.$/, '$1 の OpenAI 互換サーバーが、回答のストリームを途中で閉じました。'],
  [/^Check the server log \(it may have run out of memory\), then try again\.$/, 'サーバーのログを確認してから、もう一度お試しください（メモリ不足の可能性があります）。'],
  [/^the OpenAI-compatible server at (\S+) reported an error while answering: (.+)$/s, '$1 の OpenAI 互換サーバーが、回答中にエラーを報告しました: $2'],
  [/^Check the server log, then try again\.$/, 'サーバーのログを確認してから、もう一度お試しください。'],
  [/^The prompt is empty: there is nothing to score the continuations against\.$/, 'プロンプトが空のため、続きをスコアリングできません。'],
  [/^Pass the question as the prompt\.$/, '質問をプロンプトとして渡してください。'],
  [/^Continuation scoring on an OpenAI-compatible server needs the prompt as raw text, and no chat template renderer is configured\.$/, 'OpenAI 互換サーバーで続きをスコアリングするにはプロンプトを生のテキストで渡す必要がありますが、チャット テンプレートのレンダラーが構成されていません。'],
  [/^Use a text prompt for continuation scoring, or configure the chat template of the served model \(renderChat\)\.$/, '続きのスコアリングにはテキストのプロンプトを使うか、サーバーのモデルのチャット テンプレート（renderChat）を構成してください。'],
  [/^(\S+) is reached over plain http:\/\/: patient text in prompts and answers(, and the API key,)? would travel unencrypted over the network\. Use https:\/\/, or a server on this machine \(127\.0\.0\.1\)\.$/, (_, origin: string, key: string | undefined) => `${origin} には暗号化されていない http:// で接続します。プロンプトと回答に含まれる患者の情報${key ? 'と API キー' : ''}が、暗号化されずにネットワーク上を流れます。https:// を使うか、このマシン上のサーバー（127.0.0.1）を使ってください。`],
  [/^The remote model was disconnected\.$/, 'リモート モデルとの接続が切断されました。'],
  // Benchmarks: starting a run, run folders, and what a run reports when it fails (features/bench.ts, bench/runner.ts, bench/runFiles.ts)
  [/^(.+) does not record how it was started \(no recipe in its manifest\), so it cannot be resumed; start a new run instead\.$/, '$1 には開始時の設定（マニフェストのレシピ）が記録されていないため、再開できません。新しい実行を開始してください。'],
  [/^No usable questions in (.+?): (.+)\.$/, (_, dataset: string, why: string) => `${dataset} には使える問題がありません（${skippedList(why)}）。`],
  [/^The (\S+) format shows no choice letters: use letter scoring with the igakuqa format, or generate scoring\.$/, '$1 形式では選択肢の記号が示されません。letter スコアリングは igakuqa 形式で使うか、generate スコアリングを使ってください。'],
  [/^unknown prompt format "(.+)": use one of (.+), or --template FILE\.$/, 'プロンプト形式「$1」は不明です。$2 のいずれかを使うか、--template FILE を指定してください。'],
  [/^(.+) does not record its dataset; the question cannot be shown\.$/, '$1 にはデータセットが記録されていないため、問題を表示できません。'],
  [/^Question (.+) is no longer in (.+)\.$/, '問題 $1 は、$2 にもう含まれていません。'],
  [/^manifest\.json is missing$/, 'manifest.json がありません'],
  [/^(.+) holds no (\S+): give the folder a "medlocal bench" run wrote \(its --out\)\.$/, '$1 に $2 がありません。「medlocal bench」の実行が書き込んだフォルダー（--out で指定したフォルダー）を指定してください。'],
  [/^(.+) is not valid JSON \((.+)\); the folder is not a MedLocal run or was damaged\.$/, '$1 は有効な JSON ではありません（$2）。このフォルダーは MedLocal の実行フォルダーではないか、破損しています。'],
  [/^(.+) already holds a run; continue it with --resume (.+), or choose another --out folder\.$/, '$1 には既に実行結果があります。--resume $2 で続行するか、別の --out フォルダーを選んでください。'],
  [/^(.+) has no (\S+), so it is not a run MedLocal can resume; start a new run with --out\.$/, '$1 に $2 がないため、MedLocal で再開できる実行ではありません。--out で新しい実行を開始してください。'],
  [/^(.+) was run with format (\S+) \((\w+)\), not (\S+) \((\w+)\); resume with the same --format, or start a new run with --out\.$/, '$1 は形式 $2（$3）で実行されたもので、$4（$5）ではありません。同じ --format で再開するか、--out で新しい実行を開始してください。'],
  [/^(.+) was scored with (.+), not (.+); resume with the same --scoring\.$/, '$1 のスコアリングは $2 で、$3 ではありません。同じ --scoring で再開してください。'],
  [/^(.+) was run with model (.+), not (.+); resume with the same --model\.$/, '$1 はモデル $2 で実行されたもので、$3 ではありません。同じ --model で再開してください。'],
  [/^(\d+) questions in a row failed \(last: (.+)\)\. Fix the engine, then continue with --resume (.+)\.$/s, (_, count: string, last: string, runDir: string) => `${count} 問続けて失敗しました（最後のエラー: ${inner(last)}）。エンジンの問題を解決してから、--resume ${runDir} で続行してください。`],
  // Run folders as data (bench/runFileAccess.ts, bench/runFiles.ts) and a run stopped by a failed write (bench/runner.ts, features/bench.ts)
  [/^(.+) is (a named pipe \(FIFO\)|a device|a socket|a folder|a symbolic link|a special file|a socket or device), not a regular file; MedLocal reads and writes run files only as plain files inside the run folder\. Replace it with the real file, or use another run folder\.?$/, (_, path: string, kind: string) => `${path} は${FILE_KINDS_JA[kind] ?? kind}で、通常のファイルではありません。MedLocal は実行フォルダー内の通常のファイルだけを読み書きします。本来のファイルに置き換えるか、別の実行フォルダーを使ってください。`],
  [/^(.+) is a symbolic link to a file that does not exist; replace it with the real file, or use another run folder\.?$/, '$1 は存在しないファイルへのシンボリックリンクです。本来のファイルに置き換えるか、別の実行フォルダーを使ってください。'],
  [/^(.+) is a symbolic link to (.+), outside the run folder; MedLocal does not follow links out of a run folder\. Copy the real file into the folder, or use another run folder\.?$/, '$1 は実行フォルダーの外にある $2 へのシンボリックリンクです。MedLocal は実行フォルダーの外へのリンクをたどりません。本来のファイルをフォルダーにコピーするか、別の実行フォルダーを使ってください。'],
  [/^(.+) is larger than (\d+) MB, too large for a run manifest; the folder is not a MedLocal run or was damaged\.$/, '$1 は $2 MB を超えており、実行のマニフェストとしては大きすぎます。このフォルダーは MedLocal の実行フォルダーではないか、破損しています。'],
  [/^The disk is full: (.+) could not be written$/, 'ディスクがいっぱいのため、$1 に書き込めませんでした'],
  [/^(.+) reached the largest file size this system allows$/, '$1 がこのシステムで扱える最大のファイルサイズに達しました'],
  [/^(.+) is not writable \((\w+)\)$/, '$1 に書き込めません（$2）'],
  [/^(.+) could not be written \((.+)\)$/, '$1 に書き込めませんでした（$2）'],
  [/^(.+)\. The (\d+) answers? written before (?:is|are) kept; nothing finished is lost\. Free some disk space \(or make the folder writable\), then press Resume on this run in the benchmark panel's history\.$/s, (_, reason: string, kept: string) => `${inner(reason)}。それまでに書き込んだ ${kept} 件の回答は残っており、終わった分は失われていません。ディスクの空きを増やして（またはフォルダーを書き込み可能にして）から、ベンチマーク パネルの履歴でこの実行の「再開」を押してください。`],
  // Benchmark datasets: the file as a whole (bench/datasets/*.ts)
  [/^unknown dataset "(.+)": use igakuqa:DIR, medqa:FILE, medmcqa:FILE, jmedbench:FILE, jsonl:FILE, csv:FILE or sample\.$/, 'データセット「$1」は不明です。igakuqa:DIR、medqa:FILE、medmcqa:FILE、jmedbench:FILE、jsonl:FILE、csv:FILE、sample のいずれかを指定してください。'],
  [/^dataset file (.+) does not exist; check the path after "(\w+):"\.$/, 'データセットのファイル $1 が存在しません。「$2:」の後のパスを確認してください。'],
  [/^dataset path (.+) is a folder; (\w+): expects a (\.csv|\.jsonl) file\.$/, 'データセットのパス $1 はフォルダーです。$2: には $3 ファイルを指定してください。'],
  [/^IgakuQA path (.+) does not exist: give a folder holding <exam>-<block>\.jsonl files \(e\.g\. data\/2018\) or one such file\.$/, 'IgakuQA のパス $1 が存在しません。<exam>-<block>.jsonl ファイルを含むフォルダー（例: data/2018）か、そのようなファイルを 1 つ指定してください。'],
  [/^no IgakuQA question files \(<exam>-<block>\.jsonl, e\.g\. 112-A\.jsonl\) under (.+)\.$/, '$1 に IgakuQA の問題ファイル（<exam>-<block>.jsonl、例: 112-A.jsonl）がありません。'],
  [/^English questions need (.+) next to (.+) in (.+); add it or use --language ja\.$/, '英語の問題には、$3 の $2 と同じ場所に $1 が必要です。ファイルを追加するか、--language ja を使ってください。'],
  [/^the CSV file has no rows$/, 'CSV ファイルに行がありません'],
  [/^cannot tell the CSV layout from its header \((.*)\): it needs a "question" column, choice columns A, B, C\.\.\. \(or opa\.\.opd with cop\), and an "answer" column; or pass a column mapping\.$/, 'ヘッダー（$1）から CSV のレイアウトを判別できません。「question」列、選択肢の列 A、B、C...（または opa..opd と cop）、「answer」列が必要です。または列の対応を指定してください。'],
  // Benchmark datasets: why a record was skipped (the keys of `skipped`)
  [/^needs an image \(text_only: false\)$/, '画像が必要（text_only: false）'],
  [/^no choices \(calculation question\)$/, '選択肢なし（計算問題）'],
  [/^no English translation$/, '英訳なし'],
  [/^duplicate id$/, 'ID の重複'],
  [/^malformed record$/, '不正なレコード'],
  [/^fewer than 2 choices$/, '選択肢が 2 つ未満'],
  // Benchmark datasets: what is wrong with one record (the reason of a `file:line: reason` issue)
  [/^not valid JSON \((.+)\)$/, '有効な JSON ではありません（$1）'],
  [/^not a JSON object$/, 'JSON オブジェクトではありません'],
  [/^duplicate id (.+); the first one is kept$/, 'ID $1 が重複しています。最初のものを使います'],
  [/^duplicate id (.+)$/, 'ID $1 が重複しています'],
  [/^unreadable CSV row$/, '読み取れない CSV の行です'],
  [/^companion line without a string "problem_id"$/, '付随ファイルの行に、文字列の「problem_id」がありません'],
  [/^field "(.+)" must be a non-empty string$/, 'フィールド「$1」は空でない文字列にする必要があります'],
  [/^field "(.+)" must be a string$/, 'フィールド「$1」は文字列にする必要があります'],
  [/^field "(.+)" must be a list of strings$/, 'フィールド「$1」は文字列のリストにする必要があります'],
  [/^needs at least 2 choices, found (\d+)$/, '選択肢が 2 つ以上必要ですが、$1 つしかありません'],
  [/^answer index (-?\d+) is outside the (\d+) choices$/, '正解のインデックス $1 が、$2 個の選択肢の範囲外です'],
  [/^no answer$/, '正解がありません'],
  [/^field "(.+)" must be an object \{A: \.\.\., B: \.\.\.\} or a list$/, 'フィールド「$1」はオブジェクト {A: ..., B: ...} かリストにする必要があります'],
  [/^option "(.+)" must be a string$/, '選択肢「$1」は文字列にする必要があります'],
  [/^field "(.+)" must be an option letter$/, 'フィールド「$1」は選択肢の記号にする必要があります'],
  [/^field "(.+)" = (.+) names no option \(there are (\d+)\)$/, 'フィールド「$1」の値 $2 に当たる選択肢がありません（選択肢は $3 個です）'],
  [/^field "cop" must be (1-4|0-3); a file numbering options (0-3|1-4) needs the other setting$/, 'フィールド「cop」は $1 にする必要があります。選択肢に $2 の番号を振ったファイルには、もう一方の設定が必要です'],
  [/^field "points" must be a whole number, got (.+)$/, 'フィールド「points」は整数にする必要があります（値: $1）'],
  [/^field "(.+)" must be a whole number$/, 'フィールド「$1」は整数にする必要があります'],
  [/^a choice column between (.+) is empty$/, '選択肢の列（$1）に空のものがあります'],
  [/^field "answer" is empty$/, 'フィールド「answer」が空です'],
  [/^field "(.+)" is missing$/, 'フィールド「$1」がありません'],
  [/^field "(.+)" holds (.+) where a letter, number or choice text is expected$/, (_, field: string, what: string) => `フィールド「${field}」の値が${what === 'an object' ? 'オブジェクト' : ` ${what} `}です。記号、数値、または選択肢のテキストが必要です`],
  [/^field "(.+)" = (.+) is not a whole number$/, 'フィールド「$1」の値 $2 は整数ではありません'],
  [/^field "(.+)" = (.+) names no choice \(there are (\d+)\)$/, 'フィールド「$1」の値 $2 に当たる選択肢がありません（選択肢は $3 個です）'],
  [/^field "(.+)" must be choice text$/, 'フィールド「$1」は選択肢のテキストにする必要があります'],
  [/^answer "(.*)" in field "(.+)" matches no choice$/, 'フィールド「$2」の正解「$1」に一致する選択肢がありません'],
  [/^translation has (\d+) choices, the question has (\d+)$/, '翻訳の選択肢は $1 個ですが、問題の選択肢は $2 個です'],
  [/^answer "(.*)" holds no letter$/, '正解「$1」に選択肢の記号が含まれていません'],
  [/^answer "(.*)" is not a choice letter a-([a-z])$/, '正解「$1」は選択肢の記号（a-$2）ではありません'],
  [/^unknown record layout: expected MedQA \(question, options, answer_idx\), MedMCQA \(question, opa\.\.opd, cop\), JMedBench \(question, options list, answer_idx\) or IgakuQA\/harness \(problem_text, choices, answer\) fields$/, 'レコードの形式を判別できません。MedQA（question、options、answer_idx）、MedMCQA（question、opa..opd、cop）、JMedBench（question、options のリスト、answer_idx）、IgakuQA/harness（problem_text、choices、answer）のいずれかのフィールドが必要です'],
  // Last: a `file:line: reason` issue (a dataset record, a CSV file) keeps its place and translates its reason.
  [/^(.+?:\d+): (.+)$/s, (_, where: string, reason: string) => `${where}: ${localize(reason)}`],
];

const LOGPROBS_NEEDED = '次のトークンのスコアリング（選択肢の記号で答える方式）には top_logprobs が、続きのスコアリングには echo と logprobs が必要です。テキストの生成にはどちらも必要ありません。';

/** "3 skipped (malformed record), 1 skipped (duplicate id)" or "the file is empty", in Japanese. */
/** The parts of a GGUF header that ggufReader.ts names in its messages. */
const GGUF_PARTS: Readonly<Record<string, string>> = {
  'the file header': 'ファイル ヘッダー',
  'a metadata value': 'メタデータの値',
  'the array': '配列',
  'the array string': '配列内の文字列',
  'the metadata key': 'メタデータのキー',
  'the metadata string': 'メタデータの文字列',
  'the tensor name': 'テンソル名',
};

function ggufPart(what: string): string {
  const length = /^the length of (.+)$/.exec(what);
  if (length?.[1]) return `${ggufPart(length[1])}の長さ`;
  const valueType = /^the value type of "(.*)"$/s.exec(what);
  if (valueType) return `「${valueType[1] ?? ''}」の値の型`;
  const tensor = /^the tensor "(.*)"$/s.exec(what);
  if (tensor) return `テンソル「${tensor[1] ?? ''}」`;
  return GGUF_PARTS[what] ?? what;
}

function skippedList(text: string): string {
  if (!/^\d+ skipped \(/.test(text)) return inner(text);
  return `スキップ: ${text.split(/, (?=\d+ skipped \()/).map((part) => part.replace(/^(\d+) skipped \((.*)\)$/s, (_, count: string, why: string) => `${inner(why)} ${count} 件`)).join('、')}`;
}

let locale = 'en';

export function setLocale(value: unknown): void {
  locale = typeof value === 'string' && value ? value.toLowerCase() : 'en';
}

/** The message in the client's language when a translation exists, else as given. */
export function localize(message: string): string {
  if (!locale.startsWith('ja')) return message;
  for (const [pattern, template] of JA) {
    if (!pattern.test(message)) continue;
    return typeof template === 'string' ? message.replace(pattern, template) : message.replace(pattern, template);
  }
  return message;
}

/** Sentences of one message, each already localized: no space after a Japanese full stop. */
export function joinSentences(...sentences: string[]): string {
  return sentences.filter((sentence) => sentence !== '').reduce((text, next) => (text === '' ? next : text.endsWith('。') ? text + next : `${text} ${next}`), '');
}

export function localizeOptional(message: string | undefined): string | undefined {
  return message === undefined ? undefined : localize(message);
}
