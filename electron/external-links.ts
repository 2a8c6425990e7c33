/**
 * The one kind of link the renderer may hand to the operating system: a VMware Remote Console link
 * as vm.console.open answers it (vmrc://clone:TICKET@host/?moid=MOREF). Anything else stays denied.
 * The link carries a one-time ticket, so it is neither logged nor kept here.
 */
const VMRC_LINK = /^vmrc:\/\/clone:[A-Za-z0-9%._~-]+@[A-Za-z0-9.:[\]-]+\/\?moid=[A-Za-z0-9%._~-]+$/;

export function isVmrcLink(url: string): boolean {
  if (url.length > 2048 || !VMRC_LINK.test(url)) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'vmrc:' && u.username === 'clone' && u.password !== '' && u.pathname === '/' && u.hash === '';
  } catch {
    return false;
  }
}
