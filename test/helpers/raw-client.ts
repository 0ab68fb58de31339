import net from 'node:net';

/**
 * Sends bytes exactly as given over a fresh TCP connection and resolves with
 * everything the server wrote until it closed the connection (or until
 * `untilIncludes` appears). For requests fetch/http.request would rewrite.
 */
export function rawExchange(
  port: number,
  request: string | Buffer,
  options: { untilIncludes?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`rawExchange timed out; received so far: ${JSON.stringify(data)}`));
    }, options.timeoutMs ?? 3_000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (options.untilIncludes && data.includes(options.untilIncludes)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
    socket.write(request);
  });
}
