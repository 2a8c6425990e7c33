/**
 * xterm writes a few `<style>` elements (theme colours, row metrics). The renderer's CSP has no
 * 'unsafe-inline' for styles, so the browser refuses them; this mirrors each one into a
 * constructed stylesheet (CSSOM, which CSP does not govern) adopted by the document, and keeps it
 * in step when xterm rewrites it. Returns a disposer that removes the sheets again.
 */
export function mirrorInlineStyles(root: HTMLElement): () => void {
  const doc = root.ownerDocument;
  const sheets = new Map<HTMLStyleElement, CSSStyleSheet>();
  const sync = (): void => {
    const seen = new Set<HTMLStyleElement>();
    for (const el of root.querySelectorAll('style')) {
      seen.add(el);
      let sheet = sheets.get(el);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheets.set(el, sheet);
        doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
      }
      sheet.replaceSync(el.textContent ?? '');
    }
    for (const [el, sheet] of sheets) {
      if (seen.has(el)) continue;
      sheets.delete(el);
      doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => s !== sheet);
    }
  };
  const observer = new MutationObserver(sync);
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  sync();
  return () => {
    observer.disconnect();
    const gone = new Set(sheets.values());
    doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => !gone.has(s));
    sheets.clear();
  };
}
