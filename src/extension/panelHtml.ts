// The benchmark panel's HTML document: an empty shell that loads media/panel.css and
// media/panel.js under a strict Content Security Policy. Runs in the extension host (panel.ts), kept
// free of `vscode` so the CSP can be unit tested. No inline script, no inline style, no `style=`
// attribute: everything the page shows is built by panel.js with DOM calls (textContent, classes,
// CSSOM for sizes), which this policy allows.

export interface PanelHtmlOptions {
  /** webview.cspSource: the origin webview resources (media/) are served from. */
  cspSource: string;
  /** Fresh for every load (crypto.randomBytes), base64 or hex. */
  nonce: string;
  /** webview.asWebviewUri(media/panel.js). */
  scriptUri: string;
  /** webview.asWebviewUri(media/panel.css). */
  styleUri: string;
  /** BCP 47 language of the UI (`ja`, `en`). */
  lang: string;
  title: string;
  /** Shown until the script has started (and if it never does). */
  loadingText: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `style-src ${cspSource}`, `script-src 'nonce-${nonce}'`, `img-src ${cspSource} data:`].join('; ');
}

/** Escapes text for an HTML attribute value or element content. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function buildPanelHtml(options: PanelHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(options.nonce)) throw new Error('the CSP nonce must be at least 16 base64/hex characters');
  const csp = escapeHtml(contentSecurityPolicy(options.cspSource, options.nonce));
  return `<!DOCTYPE html>
<html lang="${escapeHtml(options.lang)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
<title>${escapeHtml(options.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="boot">${escapeHtml(options.loadingText)}</p></main>
<script nonce="${escapeHtml(options.nonce)}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>
`;
}
