// A framework that calls listen() itself, run through listenconfig/register:
//
//   LISTENCONFIG_BACKLOG=8192 node --import listenconfig/register examples/register-fastify.mjs
//
// Nothing here mentions listenconfig: fastify's own listen() binds through
// ListenConfig (the backlog listen(2) gets is 8192, where the kernel's
// somaxconn allows it) and serve() feeds its http.Server. PORT=0 (the
// default here) picks a free port; the example answers one request and exits.
import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
const url = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const res = await fetch(url);
console.log(url, res.status, await res.text());
await app.close();
