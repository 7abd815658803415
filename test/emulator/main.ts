/**
 * `npm run emulator -- --port N [--ssh-port N] [--time-scale X] [--instances recording|sandbox]`: runs the
 * emulator in the foreground.
 */
import { parseArgs } from 'node:util';
import { ROOT_ACCESS_KEY_ID, ROOT_ACCESS_KEY_SECRET, ROOT_ACCOUNT_ID, startEmulator } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'ssh-port': { type: 'string', default: '0' },
    'time-scale': { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    instances: { type: 'string', default: 'recording' },
  },
});
if (values.instances !== 'recording' && values.instances !== 'sandbox') {
  process.stderr.write(`--instances must be recording or sandbox, not ${values.instances}\n`);
  process.exit(2);
}

const emulator = await startEmulator({
  port: Number(values.port),
  sshPort: Number(values['ssh-port']),
  timeScale: Number(values['time-scale']),
  host: values.host,
  instances: values.instances,
});
process.stdout.write(
  [
    `Alibaba Cloud emulator listening on ${emulator.url}`,
    `  SDK endpoint:  ${emulator.endpoint} (protocol http)`,
    `  proxy:         HTTP_PROXY=${emulator.url} HTTPS_PROXY=${emulator.url}`,
    `  ${emulator.sandbox ? 'sandbox SSH:' : 'fake SSH:   '}   127.0.0.1:${emulator.sshPort}`,
    `  admin API:     ${emulator.url}/__admin/`,
    `  root account:  ${ROOT_ACCOUNT_ID} (${ROOT_ACCESS_KEY_ID} / ${ROOT_ACCESS_KEY_SECRET})`,
    '',
  ].join('\n'),
);
const shutdown = () => {
  emulator.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
