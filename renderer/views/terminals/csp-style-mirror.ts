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
  // Watch only where xterm keeps its <style> elements (the terminal element, .xterm, .xterm-screen)
  // and the style elements themselves. Observing the whole subtree would also report every row
  // the DOM renderer rewrites, thousands of records a frame during a flood.
  const styleObserver = new MutationObserver(() => sync());
  const watchedStyles = new Set<HTMLStyleElement>();
  const watchedContainers = new Set<Element>();
  const containerObserver = new MutationObserver(() => {
    watch();
    sync();
  });
  const watch = (): void => {
    const styles = [...root.querySelectorAll('style')];
    const containers = [root, ...root.querySelectorAll('.xterm, .xterm-screen'), ...styles.flatMap((el) => (el.parentElement ? [el.parentElement] : []))];
    for (const c of containers) {
      if (watchedContainers.has(c)) continue;
      watchedContainers.add(c);
      containerObserver.observe(c, { childList: true });
    }
    for (const el of styles) {
      if (watchedStyles.has(el)) continue;
      watchedStyles.add(el);
      styleObserver.observe(el, { childList: true, characterData: true, subtree: true });
    }
  };
  watch();
  sync();
  return () => {
    containerObserver.disconnect();
    styleObserver.disconnect();
    const gone = new Set(sheets.values());
    doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => !gone.has(s));
    sheets.clear();
  };
}
