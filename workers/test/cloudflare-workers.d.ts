/**
 * The part of workerd's `cloudflare:workers` module the workerd tests use. Declared here rather than
 * pulling @cloudflare/workers-types into the Node-typed project, where its globals clash with Node's.
 */
declare module 'cloudflare:workers' {
  export const env: unknown;
  export const exports: {
    default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> };
  };
}
