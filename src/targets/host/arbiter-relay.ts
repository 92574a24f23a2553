import { connect, createServer, type Server } from 'node:net';
import { boundLifetime, exitWithParent, isMain, numberArg } from './programs/guard.js';

/**
 * The arbiter relay, run in the controller's namespace: accepts the nodes' fencing scripts on
 * `<address>:<port>` and pipes each connection to the arbiter's Unix socket (served by the run's
 * process, which lives outside the run's namespaces). Prints `listening` once it accepts.
 * argv: address port socketPath lifetimeMs
 */
export function relay(address: string, port: number, socketPath: string): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(socketPath);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}

if (isMain(import.meta.url)) {
  const [address, port, socketPath, lifetime] = process.argv.slice(2);
  exitWithParent();
  boundLifetime(numberArg(lifetime, 'lifetimeMs'));
  relay(address!, numberArg(port, 'port'), socketPath!).then(
    () => console.log('listening'),
    (err: Error) => {
      console.error(`arbiter relay: ${err.message}`);
      process.exit(1);
    },
  );
}
