// closeServer on a real listener and real sockets: a request in flight completes, one already
// sent on the same keep-alive connection is answered with `Connection: close`, and the
// connections are closed once idle, so the promise resolves instead of waiting for the
// keep-alive timeout.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import test from 'ava';
import { closeServer, portOf } from './app.ts';

test('in-flight and pipelined requests are answered, then the connection is closed', async (t) => {
  const server = createServer((request, response) => {
    const delay = request.url === '/slow' ? 300 : 0;
    setTimeout(() => response.end(request.url), delay);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  const socket = connect(portOf(server), '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const closed = once(socket, 'close');
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((resolve) => setTimeout(resolve, 50)); // the slow request is in flight
  const stopped = closeServer(server);
  socket.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n'); // sent after the close began

  await stopped;
  await closed;
  const [first, second] = received.split('HTTP/1.1 ').filter(Boolean);
  t.regex(first ?? '', /^200 [\s\S]*\/slow$/);
  t.regex(first ?? '', /keep-alive/i, 'answered before the close began: kept alive');
  t.regex(second ?? '', /^200 [\s\S]*Connection: close[\s\S]*\/next$/);
  t.false(server.listening);
});

test('an idle keep-alive connection does not hold the close', async (t) => {
  const server = createServer((_request, response) => response.end('ok'));
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect(portOf(server), '127.0.0.1');
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(socket, 'data');
  const closed = once(socket, 'close');
  await closeServer(server);
  await closed;
  t.false(server.listening);
});
