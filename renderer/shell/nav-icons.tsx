import type { ReactNode } from 'react';
import type { ViewId } from '../navigation/views';

// Hand-drawn 16px line icons: no icon font or remote sprite (the CSP allows neither).
const paths: Record<ViewId, ReactNode> = {
  inventory: (
    <>
      <rect x="2" y="2.5" width="12" height="4" rx="1" />
      <rect x="2" y="9.5" width="12" height="4" rx="1" />
      <path d="M4.5 4.5h.01M4.5 11.5h.01" />
    </>
  ),
  enrollment: (
    <>
      <rect x="2" y="3" width="9" height="10" rx="1" />
      <path d="M9 8h5M12 6l2 2-2 2" />
    </>
  ),
  networking: (
    <>
      <circle cx="8" cy="3.5" r="1.5" />
      <circle cx="3.5" cy="12.5" r="1.5" />
      <circle cx="12.5" cy="12.5" r="1.5" />
      <path d="M8 5v3M8 8l-4 3M8 8l4 3" />
    </>
  ),
  'nat-ipam': (
    <>
      <path d="M2 5h9M8.5 2.5 11 5 8.5 7.5" />
      <path d="M14 11H5M7.5 8.5 5 11l2.5 2.5" />
    </>
  ),
  'host-upgrades': (
    <>
      <rect x="2" y="9" width="12" height="4.5" rx="1" />
      <path d="M8 7V1.5M5.5 4 8 1.5 10.5 4" />
    </>
  ),
  terminals: (
    <>
      <rect x="1.5" y="2.5" width="13" height="11" rx="1.5" />
      <path d="M4.5 6.5 6.5 8.5 4.5 10.5M8 10.5h3.5" />
    </>
  ),
  certificates: (
    <>
      <path d="M8 1.5 13.5 3.5v4c0 3.2-2.3 5.6-5.5 7-3.2-1.4-5.5-3.8-5.5-7v-4z" />
      <path d="M5.5 8 7.3 9.8 10.5 6.5" />
    </>
  ),
  'client-helpers': (
    <>
      <rect x="1.5" y="2.5" width="13" height="8.5" rx="1" />
      <path d="M5.5 13.5h5M8 11v2.5" />
    </>
  ),
  procedures: (
    <>
      <path d="M5.5 3.5h8M5.5 8h8M5.5 12.5h8" />
      <path d="M2.2 3.5h.6M2.2 8h.6M2.2 12.5h.6" />
    </>
  ),
  events: (
    <>
      <path d="M2 8h2.5l1.5-4 3 8 1.5-4H14" />
    </>
  ),
  audit: (
    <>
      <circle cx="8" cy="8" r="6" />
      <path d="M8 4.5V8l2.5 1.5" />
    </>
  ),
  settings: (
    <>
      <circle cx="8" cy="8" r="2.2" />
      <path d="M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4" />
    </>
  ),
};

export function NavIcon({ view }: { view: ViewId }) {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      {paths[view]}
    </svg>
  );
}
