import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useClient } from '../app/shell-context';
import { fuzzyFilter } from './fuzzy-score';
import type { PaletteItem } from './palette-items';
import { paletteRecents, rememberPaletteItem } from './palette-recents';
import { usePaletteObjects } from './use-palette-objects';

interface CommandPaletteProps {
  /** Views and the console's own actions (objects are found as the operator types). */
  items: readonly PaletteItem[];
  onRun(item: PaletteItem): void;
  onClose(): void;
}

// Enough to scan at a glance; the search narrows the rest.
const MAX_RESULTS = 60;
const texts = (i: PaletteItem): readonly string[] => [i.label, `${i.hint} ${i.keywords}`];

/**
 * A modal combobox over navigation targets and actions. Focus stays in the input (the options
 * are not tabbable and Tab is held), arrow keys move the active option, Enter runs it, Escape
 * or a click outside closes, and focus returns to where it was.
 */
export function CommandPalette({ items, onRun, onClose }: CommandPaletteProps) {
  const client = useClient();
  const [query, setQuery] = useState('');
  const [recents] = useState(paletteRecents);
  const objects = usePaletteObjects(client, query);
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const baseId = useId();
  const listId = `${baseId}-list`;
  const optionId = (index: number): string => `${baseId}-option-${index}`;

  // Recents first (matching the query), then everything else best match first.
  const results = useMemo(() => {
    const recentIds = new Set(recents.map((r) => r.id));
    const rest = [...items, ...objects.items].filter((i, index, all) => !recentIds.has(i.id) && all.findIndex((j) => j.id === i.id) === index);
    const ranked = query.trim() === '' ? items.filter((i) => !recentIds.has(i.id)) : fuzzyFilter(query, rest, texts);
    return [...fuzzyFilter(query, recents, texts), ...ranked].slice(0, MAX_RESULTS);
  }, [query, items, objects.items, recents]);
  const recentCount = useMemo(() => results.filter((r) => recents.some((x) => x.id === r.id)).length, [results, recents]);
  const activeIndex = results.length === 0 ? -1 : Math.min(active, results.length - 1);

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    inputRef.current?.focus();
    return () => previous?.focus();
  }, []);

  useEffect(() => {
    if (activeIndex < 0) return;
    const option = document.getElementById(optionId(activeIndex));
    // jsdom has no scrollIntoView.
    if (option && typeof option.scrollIntoView === 'function') option.scrollIntoView({ block: 'nearest' });
  });

  const run = (item: PaletteItem | undefined): void => {
    if (!item) return;
    rememberPaletteItem(item);
    onClose();
    onRun(item);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    const count = results.length;
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        if (count > 0) setActive((activeIndex + 1) % count);
        break;
      case 'ArrowUp':
        event.preventDefault();
        if (count > 0) setActive((activeIndex - 1 + count) % count);
        break;
      case 'Home':
      case 'End':
        if (count > 0 && event.ctrlKey) {
          event.preventDefault();
          setActive(event.key === 'Home' ? 0 : count - 1);
        }
        break;
      case 'Enter':
        event.preventDefault();
        run(results[activeIndex]);
        break;
      case 'Escape':
        event.preventDefault();
        event.stopPropagation();
        onClose();
        break;
      case 'Tab':
        // The input is the dialog's only stop: keep focus inside the modal.
        event.preventDefault();
        break;
    }
  };

  return (
    <div
      className="palette-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div className="palette" role="dialog" aria-modal="true" aria-label="Command palette">
        <input
          ref={inputRef}
          className="palette-input"
          type="text"
          role="combobox"
          aria-label="Find a VM, host, site or procedure, jump to a view or run an action"
          aria-expanded={results.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={activeIndex >= 0 ? optionId(activeIndex) : undefined}
          placeholder="Find VMs, hosts, sites, procedures; jump to a view; run an action…"
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        <ul
          id={listId}
          className="palette-list"
          role="listbox"
          aria-label="Matching commands"
          // Clicking an option must not take focus out of the input.
          onMouseDown={(event) => event.preventDefault()}
        >
          {results.map((command, index) => (
            <li
              key={command.id}
              data-testid="palette-option"
              data-recent={index < recentCount ? 'true' : undefined}
              id={optionId(index)}
              role="option"
              aria-selected={index === activeIndex}
              className="palette-option"
              onMouseMove={() => index !== activeIndex && setActive(index)}
              onClick={() => run(command)}
            >
              <span className="palette-option-label">{command.label}</span>
              <span className="palette-option-hint" aria-hidden="true">
                {index < recentCount ? `Recent · ${command.hint}` : command.hint}
              </span>
            </li>
          ))}
        </ul>
        {results.length === 0 && !objects.searching && <p className="palette-empty">Nothing matches “{query}”.</p>}
        {objects.searching && (
          <p className="palette-empty" role="status">
            Searching VMs…
          </p>
        )}
        <p className="palette-footer" aria-hidden="true">
          <kbd>↑</kbd> <kbd>↓</kbd> to move · <kbd>Enter</kbd> to run · <kbd>Esc</kbd> to close
        </p>
      </div>
    </div>
  );
}
