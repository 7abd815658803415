/**
 * A local record of the images sindri deleted, so that deleting one again can say "already
 * deleted" (exit 0) rather than "unknown image" (exit 1), and so that snapshots left behind by an
 * interrupted delete are found and removed on the next run. Holds IDs only, no credentials.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface JournalEntry {
  imageId: string;
  region: string;
  name: string;
  snapshotIds: string[];
  /** Snapshots not deleted yet (empty once the delete finished, or with --keep-snapshots). */
  pendingSnapshots: string[];
  startedAt: string;
  /** Accounts the image was unshared from before the delete (they lost access). */
  unshared?: string[];
  /** Set once DeleteImage succeeded (or the image was found gone). */
  deletedAt?: string;
}

interface JournalFile {
  version: 1;
  entries: JournalEntry[];
}

const MAX_ENTRIES = 5000;

export function journalPath(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME?.trim() || join(env.HOME?.trim() || homedir(), '.local', 'state');
  return join(state, 'sindri', 'deleted-images.json');
}

export class DeleteJournal {
  readonly path: string;
  private entries: JournalEntry[] = [];
  private writes: Promise<void> = Promise.resolve();

  private constructor(path: string) {
    this.path = path;
  }

  static async open(path: string): Promise<DeleteJournal> {
    const j = new DeleteJournal(path);
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<JournalFile>;
      if (Array.isArray(parsed.entries)) j.entries = parsed.entries;
    } catch {
      // Missing or unreadable: start afresh (the journal is a convenience, never the truth).
    }
    return j;
  }

  find(imageId: string, region?: string): JournalEntry | undefined {
    return this.entries.findLast(
      (e) => e.imageId === imageId && (region === undefined || e.region === region),
    );
  }

  /** Adds or replaces the entry of one image and writes the file (atomically, serialised). */
  async put(entry: JournalEntry): Promise<void> {
    this.entries = this.entries.filter((e) => !(e.imageId === entry.imageId && e.region === entry.region));
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    const text = `${JSON.stringify({ version: 1, entries: this.entries } satisfies JournalFile, null, 2)}\n`;
    this.writes = this.writes.then(async () => {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, this.path);
    });
    return this.writes;
  }
}
