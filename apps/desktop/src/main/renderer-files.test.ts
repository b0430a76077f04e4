import { describe, expect, it } from 'vitest';
import { rendererFile } from './renderer-files';

describe('rendererFile', () => {
  it('serves index.html for the root and files inside the build', () => {
    expect(rendererFile('/app/out/renderer', '/')).toEqual({ file: '/app/out/renderer/index.html', type: 'text/html; charset=utf-8' });
    expect(rendererFile('/app/out/renderer', '/assets/index-abc.js')?.file).toBe('/app/out/renderer/assets/index-abc.js');
  });

  it('refuses traversal, encoded traversal, NUL and unknown types', () => {
    expect(rendererFile('/app/out/renderer', '/../main/index.js')).toBeNull();
    expect(rendererFile('/app/out/renderer', '/%2e%2e/%2e%2e/package.json')).toBeNull();
    expect(rendererFile('/app/out/renderer', '/..%2f..%2fsecrets.json')).toBeNull();
    expect(rendererFile('/app/out/renderer', '/index.html%00.js')).toBeNull();
    expect(rendererFile('/app/out/renderer', '/%E0%A4%A')).toBeNull();
    expect(rendererFile('/app/out/renderer', '/notes.txt')).toBeNull();
    expect(rendererFile('/app/out/renderer-evil', '/x.js')?.file).toBe('/app/out/renderer-evil/x.js');
    expect(rendererFile('/app/out/renderer', '/../renderer-evil/x.js')).toBeNull();
  });
});
