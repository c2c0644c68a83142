/**
 * Redis-style glob patterns for pub/sub (`PSUBSCRIBE`): `*` any run, `?` one character, `[abc]`,
 * `[a-z]`, `[^a]` classes, `\` escapes. Shared so the in-process bus matches exactly what Redis does.
 */

/** Whether a subscription string is a pattern (contains an unescaped glob metacharacter). */
export function isPattern(channelOrPattern: string): boolean {
  for (let i = 0; i < channelOrPattern.length; i++) {
    const c = channelOrPattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** Compile a glob pattern to an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      out += escapeRe(pattern[++i]!);
    } else if (c === '*') {
      out += '[\\s\\S]*';
    } else if (c === '?') {
      out += '[\\s\\S]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else {
      out += escapeRe(c);
    }
  }
  return new RegExp(`^${out}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
