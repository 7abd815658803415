/**
 * A reader that goes away (`sindri … | head -3`, a closed terminal) must not stop a build midway:
 * once stdout or stderr is closed, writes to it are dropped and the work goes on to its end.
 */
const guarded = new WeakSet<NodeJS.WriteStream>();

export function dropWritesToClosedPipes(
  streams: NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
      stream.write = (() => true) as typeof stream.write;
      // Whoever waits for the stream to drain (oclif flushes stdout before exiting) stops waiting.
      stream.emit('drain');
    });
  }
}
