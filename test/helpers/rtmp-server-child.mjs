// An RTMP ingest server for tests (node-media-server 2.x; streams are rtmp://127.0.0.1:PORT/live/NAME)
// on a free loopback port. Prints "port N" on stdout once listening. Ends on a signal, or
// when its stdin closes, so it never outlives the test process that started it.
import NodeMediaServer from 'node-media-server';

const nms = new NodeMediaServer({
  // 2.x hands rtmp.port to net.Server#listen() as it is (and turns 0 into 1935): listen options
  // bind loopback only and let the OS pick a free port, with no race.
  rtmp: { port: { host: '127.0.0.1', port: 0 }, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
  logType: 0, // no logging at all (2.x logs with console.log)
});
nms.run();

const server = nms.nrs.tcpServer;
server.once('listening', () => process.stdout.write(`port ${server.address().port}\n`));
server.once('error', (err) => {
  process.stderr.write(`rtmp server: ${err.message}\n`);
  process.exit(1);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
