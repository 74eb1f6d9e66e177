/**
 * Socket.IO 4.8 peer: websocket transport only, no compression. A "broadcast" event goes to
 * every socket (the sender included) as "kafka"; a "direct" event to the socket whose id is
 * given, through the socket's own room.   PORT=<port> node socketio-server.js
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

let messages = 0;
const server = createServer();
const io = new Server(server, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  maxHttpBufferSize: 65536,
  serveClient: false,
  cors: { origin: '*' },
});

io.on('connection', (socket) => {
  socket.on('broadcast', (message: unknown) => {
    io.emit('kafka', { from: socket.id, message, timestamp: Date.now(), id: String(++messages) });
  });
  socket.on('direct', (targetId: unknown, message: unknown) => {
    io.to(String(targetId)).emit('direct', { from: socket.id, message, timestamp: Date.now(), id: String(++messages) });
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
