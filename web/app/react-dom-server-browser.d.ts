// @types/react-dom types the web-streams renderer under react-dom/server only.
declare module 'react-dom/server.browser' {
  export { renderToReadableStream } from 'react-dom/server';
}
