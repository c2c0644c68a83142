/**
 * Text that PostgreSQL and JSON consumers cannot hold: a NUL character (`text` and `jsonb` refuse it)
 * or a lone UTF-16 surrogate (not Unicode; encoders replace or reject it). Refused at the edge with
 * the field's name instead of failing deep in a driver as a 500.
 */

/** Why a string cannot be stored, or null when it can. */
export function unsafeTextProblem(text: string): 'NUL character' | 'lone surrogate' | null {
  if (text.includes('\u0000')) return 'NUL character';
  if (!isWellFormed(text)) return 'lone surrogate';
  return null;
}

function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  if (typeof native === 'function') return native.call(text);
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** Where unsafe text was found: the dotted path of the field (a key's own path for a bad key). */
export interface UnsafeText {
  path: string;
  problem: 'NUL character' | 'lone surrogate';
}

/**
 * The first string (value or key) in a decoded JSON value that cannot be stored, with its path;
 * null when there is none. Iterative, so depth cannot exhaust the stack.
 *
 * @example findUnsafeText({ email: 'a\u0000@b' }) // { path: 'email', problem: 'NUL character' }
 */
export function findUnsafeText(value: unknown, root = ''): UnsafeText | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = unsafeTextProblem(v);
      if (problem) return { path: path || '(body)', problem };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], path ? `${path}.${i}` : String(i)]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const childPath = path ? `${path}.${k}` : k;
        const keyProblem = unsafeTextProblem(k);
        if (keyProblem) return { path: childPath, problem: keyProblem };
        stack.push([child, childPath]);
      }
    }
  }
  return null;
}
