// The baseline: the smallest useful node:http server answering the same text.
import {createServer} from 'node:http';

createServer((req, res) => {
  res.writeHead(200, {'content-type': 'text/plain; charset=utf-8'});
  res.end('Hello world');
}).listen(Number(process.env.PORT ?? 8080));
