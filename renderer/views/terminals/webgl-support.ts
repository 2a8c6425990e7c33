/**
 * Whether xterm's WebGL renderer is worth using here. With a GPU it draws far faster than the DOM
 * renderer; on a software rasteriser (SwiftShader, llvmpipe: VMs, VDI, remote desktops, headless)
 * it is several times slower than the DOM renderer (measured by bench/terminal: 2 vs 11 MB/s), so
 * there the DOM renderer is chosen. Probed once per page.
 */
let verdict: { webgl: boolean; reason: string } | null = null;

const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render driver|mesa offscreen/i;

export function webglVerdict(): { webgl: boolean; reason: string } {
  if (verdict) return verdict;
  verdict = probe();
  return verdict;
}

function probe(): { webgl: boolean; reason: string } {
  try {
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2');
    if (!gl) return { webgl: false, reason: 'no WebGL2' };
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const rendererName = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    if (SOFTWARE.test(rendererName)) return { webgl: false, reason: `software WebGL (${rendererName})` };
    return { webgl: true, reason: rendererName };
  } catch {
    return { webgl: false, reason: 'WebGL probe failed' };
  }
}

export function isSoftwareRenderer(name: string): boolean {
  return SOFTWARE.test(name);
}
