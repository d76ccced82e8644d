let cached: { software: boolean; renderer: string } | undefined;

/** Renderer strings of WebGL drawn by the CPU: SwiftShader (Chromium without a GPU), Mesa's llvmpipe/softpipe, Windows' basic driver. */
const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** Whether this page's WebGL is drawn in software, and the renderer's name (asked once, from a throwaway canvas). */
export function webglRenderer(): { software: boolean; renderer: string } {
  if (cached) return cached;
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return (cached = { software: true, renderer: 'none' });
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return (cached = { software: SOFTWARE.test(renderer), renderer });
}
