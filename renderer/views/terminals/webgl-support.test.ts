import { describe, expect, it } from 'vitest';
import { isSoftwareRenderer } from './webgl-support';

describe('WebGL renderer choice', () => {
  it('treats software rasterisers as slower than the DOM renderer, real GPUs as faster', () => {
    for (const name of [
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0)',
    ])
      expect(isSoftwareRenderer(name)).toBe(true);
    for (const name of ['ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)', 'Mesa Intel(R) UHD Graphics 620 (KBL GT2)', 'Apple M2'])
      expect(isSoftwareRenderer(name)).toBe(false);
  });
});
