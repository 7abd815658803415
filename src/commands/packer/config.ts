import { SindriCommand } from '../../cli/base-command.ts';
import { configFlag, overridesFromFlags, settingFlags } from '../../cli/flags.ts';
import { tableFlags } from '../../cli/table.ts';

interface Row {
  key: string;
  value: unknown;
  source: string;
}

/** Every leaf of the configuration with its dotted key (`providers.packer.alibaba.region`, `tags.Team`). */
function leaves(value: unknown, path: (string | number)[] = []): Array<[(string | number)[], unknown]> {
  if (Array.isArray(value)) {
    if (value.length === 0 || value.every((v) => typeof v !== 'object' || v === null)) return [[path, value]];
    return value.flatMap((v, i) => leaves(v, [...path, i]));
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [[path, value]];
    return entries.flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [[path, value]];
}

export default class Config extends SindriCommand {
  static override summary = 'Show the resolved configuration and where each value came from';
  static override description =
    'Every setting after flags, the file, the environment and the defaults are merged (in that order of precedence), with its source: a flag (--region), the file and line, an environment variable ($ALICLOUD_REGION), or the default.';
  static override examples = [
    '<%= config.bin %> packer config',
    '<%= config.bin %> packer config --region cn-shanghai --columns key,source',
    '<%= config.bin %> packer config --output yaml',
  ];

  static override flags = {
    config: configFlag,
    ...settingFlags,
    ...tableFlags,
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(Config);
    this.checkCloud(flags.cloud);
    const [{ loadConfig, formatPath }, { renderTable, tableOptions, checkTableOptions }] = await Promise.all([
      import('../../config/load.ts'),
      import('../../cli/table.ts'),
    ]);
    const columns = [
      { key: 'key', header: 'KEY', value: (r: Row) => r.key },
      {
        key: 'value',
        header: 'VALUE',
        value: (r: Row) =>
          typeof r.value === 'object' && r.value !== null ? JSON.stringify(r.value) : (r.value as string),
        cell: (r: Row) => {
          const text = typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
          const first = text.split('\n')[0] ?? '';
          return first === text ? text : `${first} …`;
        },
      },
      { key: 'source', header: 'SOURCE', value: (r: Row) => r.source },
    ];
    const table = tableOptions(flags, this.colorOn(process.stdout));
    checkTableOptions(columns, table);
    const loaded = await loadConfig({ configPath: flags.config, overrides: overridesFromFlags(flags) });
    const { relative } = await import('node:path');
    const shown = relative(process.cwd(), loaded.file) || loaded.file;
    const rows: Row[] = leaves(loaded.config).map(([path, value]) => {
      const origin = loaded.origin(path);
      const at = origin === 'file' ? loaded.locate(path) : undefined;
      const source =
        origin === 'file'
          ? `file ${shown}${at ? `:${at.line}` : ''}`
          : origin.startsWith('--')
            ? `flag ${origin}`
            : origin.startsWith('$')
              ? `env ${origin}`
              : 'default';
      return { key: formatPath(path), value, source };
    });
    if (!this.jsonEnabled()) process.stdout.write(await renderTable(rows, columns, table));
    return {
      file: loaded.file,
      config: loaded.config,
      sources: Object.fromEntries(rows.map((r) => [r.key, r.source])),
    };
  }
}
