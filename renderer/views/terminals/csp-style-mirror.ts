/**
 * xterm writes a few `<style>` elements (theme colours, row metrics). The renderer's CSP has no
 * 'unsafe-inline' for styles, so the browser refuses them; this mirrors each one into a
 * constructed stylesheet (CSSOM, which CSP does not govern) adopted by the document, and keeps it
 * in step when xterm rewrites it. Returns a disposer that removes the sheets again.
 */
export function mirrorInlineStyles(root: HTMLElement): () => void {
  const doc = root.ownerDocument;
  const sheets = new Map<HTMLStyleElement, CSSStyleSheet>();
  const texts = new Map<HTMLStyleElement, string>();
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
      const text = el.textContent ?? '';
      // Re-parsing a sheet restyles the document: only when xterm really changed it.
      if (texts.get(el) !== text) {
        texts.set(el, text);
        sheet.replaceSync(text);
      }
    }
    for (const [el, sheet] of sheets) {
      if (seen.has(el)) continue;
      sheets.delete(el);
      texts.delete(el);
      doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => s !== sheet);
    }
  };
  const isStyle = (node: Node | null): boolean => node instanceof HTMLStyleElement || node?.parentNode instanceof HTMLStyleElement;
  // The DOM renderer rewrites rows every frame: look at the records, act only on <style> changes.
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (isStyle(r.target) || [...r.addedNodes].some(isStyle) || [...r.removedNodes].some(isStyle)) {
        sync();
        return;
      }
    }
  });
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  sync();
  return () => {
    observer.disconnect();
    const gone = new Set(sheets.values());
    doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => !gone.has(s));
    sheets.clear();
  };
}
