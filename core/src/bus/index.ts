export * from './codec.ts';
export * from './glob.ts';
export * from './typed.ts';
export * from './types.ts';
