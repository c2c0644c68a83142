import type { EntryContext } from '@remix-run/node';
import { RemixServer } from '@remix-run/react';
import { isbot } from 'isbot';
// The web-streams renderer runs on Node 22 and in workerd alike, so one server build serves both.
import { renderToReadableStream } from 'react-dom/server.browser';

const ABORT_AFTER_MS = 5_000;

/** Render a page as a stream; bots (and crawlers) get the complete document at once. */
export default async function handleRequest(
  request: Request,
  status: number,
  headers: Headers,
  remixContext: EntryContext,
): Promise<Response> {
  let failed = false;
  // Abort a render that is still going after the deadline; once it is done, the timer is cleared (an
  // abort after the stream closed would throw "Controller is already closed").
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ABORT_AFTER_MS + 1_000);
  const stream = await renderToReadableStream(
    <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_AFTER_MS} />,
    {
      signal: abort.signal,
      onError(error: unknown) {
        failed = true;
        if (!abort.signal.aborted) console.error(error);
      },
    },
  );
  stream.allReady.then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  );
  if (isbot(request.headers.get('user-agent') ?? '')) await stream.allReady;
  headers.set('content-type', 'text/html; charset=utf-8');
  return new Response(stream, { status: failed ? 500 : status, headers });
}
