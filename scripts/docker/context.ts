/**
 * The files `docker build .` sends as its context, read from .dockerignore the way Docker reads it:
 * rules in order, the last rule matching a path (or one of its parent folders) decides, `!` re-includes,
 * `*` and `?` stay within a path segment, `**` spans any number of them.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface Rule {
  include: boolean;
  regex: RegExp;
  /** the pattern up to its first wildcard: folders outside it cannot be re-included by this rule */
  literal: string;
}

export function parseDockerignore(text: string): Rule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = path.posix.normalize((include ? line.slice(1) : line).replace(/^\/+/, ''));
      return { include, regex: globToRegex(pattern), literal: pattern.split(/[*?[]/)[0] ?? '' };
    });
}

function globToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` matches everything below
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether the path (relative, `/`-separated) is in the context. */
export function isIncluded(rules: Rule[], rel: string): boolean {
  const parts = rel.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let included = true;
  for (const rule of rules) {
    if (candidates.some((c) => rule.regex.test(c))) included = rule.include;
  }
  return included;
}

/** Every file of the context, relative to `root`. */
export function contextFiles(root: string): string[] {
  const ignore = path.join(root, '.dockerignore');
  const rules = parseDockerignore(
    statSync(ignore, { throwIfNoEntry: false }) ? readFileSync(ignore, 'utf8') : '',
  );
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel))) {
      const child = rel ? `${rel}/${name}` : name;
      const stat = statSync(path.join(root, child));
      if (stat.isDirectory()) {
        // Descend into an excluded folder only if a later `!` rule could bring something in it back.
        if (isIncluded(rules, child) || rules.some((r) => r.include && couldReinclude(r, child))) walk(child);
      } else if (isIncluded(rules, child)) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

function couldReinclude(rule: Rule, dir: string): boolean {
  return (
    rule.literal === '' || rule.literal.startsWith(`${dir}/`) || `${dir}/`.startsWith(`${rule.literal}/`)
  );
}

/** Copies the context into `dest` (which is what Docker would see as the build context). */
export function copyContext(root: string, dest: string): string[] {
  const files = contextFiles(root);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    cpSync(path.join(root, f), path.join(dest, f));
  }
  return files;
}
