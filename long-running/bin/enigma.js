#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript, loaded through tsx's ESM hooks so `enigma` runs from source.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `enigma needs Node >= 22.12 (found ${process.versions.node}); run it through pnpm (pnpm enigma ...).`,
  );
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/main.ts');
