/**
 * `@enigma/db`: everything in `@enigma/db/edge` plus the Node-side client factories and migrator
 * (`openDatabase`, `migrate`, `checkDatabase`). Test helpers live under `@enigma/db/testing/*`.
 */
export * from './client.ts';
export * from './edge.ts';
