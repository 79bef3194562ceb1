import { describe, expect, it } from 'vitest';
import { tokenProblem } from '../src/api';

describe('tokenProblem', () => {
  it('takes 16 to 256 printable ASCII characters, as the services do', () => {
    expect(tokenProblem('a'.repeat(16))).toBeNull();
    expect(tokenProblem('a'.repeat(256))).toBeNull();
    expect(tokenProblem('')).toBeNull(); // forgets the token
    expect(tokenProblem('short')).toBe('Not used: a token has 16 to 256 characters, and this one has 5.');
    expect(tokenProblem('a'.repeat(257))).toBe('Not used: a token has 16 to 256 characters, and this one has 257.');
  });
  it('names a character a header cannot carry, first', () => {
    expect(tokenProblem('ab\u200bc')).toBe('Not used: a token is printable ASCII, and this one has U+200B at character 3.');
  });
});
