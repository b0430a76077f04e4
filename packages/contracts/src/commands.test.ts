import { describe, expect, it } from 'vitest';
import { codeLoadingEnvNames, codeLoadingWarning } from './commands.js';

describe('environment variables that change what a command runs', () => {
  it('are named, whatever their case (Windows names are case-insensitive)', () => {
    expect(codeLoadingEnvNames(['API_KEY', 'NODE_OPTIONS', 'ld_preload', 'DYLD_INSERT_LIBRARIES', 'PYTHONPATH', 'Path', 'DEBUG'])).toEqual(['NODE_OPTIONS', 'ld_preload', 'DYLD_INSERT_LIBRARIES', 'PYTHONPATH', 'Path']);
  });

  it('ordinary ones are not (a key, a token, a flag)', () => {
    expect(codeLoadingEnvNames(['API_KEY', 'GITHUB_TOKEN', 'DEBUG', 'NODE_ENV', 'MY_PATH'])).toEqual([]);
    expect(codeLoadingWarning(['API_KEY'])).toBeNull();
  });

  it('the warning names them and says what they can do', () => {
    expect(codeLoadingWarning(['NODE_OPTIONS', 'LD_PRELOAD'])).toBe('NODE_OPTIONS, LD_PRELOAD can each make this program load other code or run another program. Allow it only if you set them yourself.');
  });
});
