export * from './app.ts';
export { alertCurl, type BootstrapOptions, type BootstrapResult } from './bootstrap.ts';
export { nodeSocketIp } from './node.ts';
