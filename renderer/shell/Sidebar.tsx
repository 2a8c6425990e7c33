import type { KeyboardEvent } from 'react';
import { useShell } from '../app/shell-context';
import { hashForView } from '../navigation/hash-route';
import { viewTargets, type ViewTarget } from '../navigation/views';
import { NavIcon } from './nav-icons';

const groups: ViewTarget['group'][] = ['Estate', 'Network', 'Hosts', 'Operations', 'Console'];

/** Up/Down move between navigation links, like a menu, without leaving Tab order behind. */
function moveFocus(event: KeyboardEvent<HTMLElement>): void {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
  const links = [...event.currentTarget.querySelectorAll<HTMLAnchorElement>('a.nav-link')];
  const at = links.indexOf(document.activeElement as HTMLAnchorElement);
  if (at === -1) return;
  event.preventDefault();
  const next = links[(at + (event.key === 'ArrowDown' ? 1 : -1) + links.length) % links.length];
  next?.focus();
}

export function Sidebar() {
  const current = useShell((s) => s.view);
  return (
    <nav className="sidebar" aria-label="Main" onKeyDown={moveFocus}>
      {groups.map((group) => (
        // A group, not a region: five extra landmarks inside the navigation would be noise.
        <div key={group} className="nav-group" role="group" aria-labelledby={`nav-group-${group}`}>
          <div id={`nav-group-${group}`} className="nav-group-title">
            {group}
          </div>
          <ul>
            {viewTargets
              .filter((t) => t.group === group)
              .map((target) => (
                <li key={target.id}>
                  <a
                    className="nav-link"
                    href={hashForView(target.id)}
                    aria-current={target.id === current ? 'page' : undefined}
                    title={`${target.label} (g then ${target.key})`}
                  >
                    <NavIcon view={target.id} />
                    <span className="nav-label">{target.label}</span>
                    <span className="nav-shortcut" aria-hidden="true">
                      <kbd>g</kbd>
                      <kbd>{target.key}</kbd>
                    </span>
                  </a>
                </li>
              ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}
