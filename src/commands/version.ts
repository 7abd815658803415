import { Flags } from '@oclif/core';
import { SindriCommand } from '../cli/base-command.ts';

/**
 * `sindri version`: the fields of @oclif/plugin-version (oclif's own version details), but on sindri's
 * base command so that `--json` prints the envelope every other command prints. A bare `sindri version`
 * or `--version` is answered by bin/run.js without loading the CLI framework.
 */
export default class Version extends SindriCommand {
  static override summary = 'Show the sindri, Node.js and platform versions';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --verbose --json'];

  static override flags = {
    verbose: Flags.boolean({
      description: 'Also the OS, shell, install location and plugins',
      default: false,
    }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(Version);
    const { architecture, cliVersion, nodeVersion, osVersion, pluginVersions, rootPath, shell } =
      this.config.versionDetails;
    const result: Record<string, unknown> = flags.verbose
      ? { cliVersion, architecture, nodeVersion, osVersion, shell, rootPath, pluginVersions }
      : { cliVersion, architecture, nodeVersion };
    if (!this.jsonEnabled()) {
      const lines = flags.verbose
        ? [
            `CLI version: ${cliVersion}`,
            `Architecture: ${architecture}`,
            `Node version: ${nodeVersion}`,
            `OS and version: ${osVersion}`,
            `Shell: ${shell}`,
            `Root path: ${rootPath}`,
            'Plugin versions:',
            ...Object.entries(pluginVersions ?? {}).map(([name, p]) => `  ${name} ${p.version} (${p.type})`),
          ]
        : [`${cliVersion} ${architecture} ${nodeVersion}`];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return result;
  }
}
