import { Flags } from '@oclif/core';
import { SindriCommand } from '../../../cli/base-command.ts';
import { configFlag } from '../../../cli/flags.ts';

const DEFAULT_OUT = '.github/workflows/sindri.yml';

export default class CiGithub extends SindriCommand {
  static override summary = 'Write a GitHub Actions workflow that validates, checks and builds this image';
  static override description =
    'Pull requests that touch the configuration or its scripts run `packer validate` and `packer doctor`; ' +
    'pushes to the default branch, tags and manual runs build the image, one build per image name at a time, ' +
    'with the image IDs as job outputs. Alibaba Cloud access is by OIDC role assumption (--auth oidc, no stored keys) ' +
    'or access-key secrets (--auth secrets). The workflow installs sindri with `npm ci` from your package-lock.json. ' +
    'Run from the repository root. Set-up: docs/github-actions.md.';
  static override examples = [
    '<%= config.bin %> packer ci github',
    '<%= config.bin %> packer ci github --config images/base.yaml --out .github/workflows/base-image.yml',
    '<%= config.bin %> packer ci github --auth secrets --packer-version 1.6.6 --out -',
  ];

  static override flags = {
    config: configFlag,
    out: Flags.string({
      char: 'o',
      description: "Workflow file to write, or '-' for stdout",
      default: DEFAULT_OUT,
    }),
    auth: Flags.string({
      description: 'How the workflow signs in to Alibaba Cloud: OIDC role assumption, or access-key secrets',
      options: ['oidc', 'secrets'],
      default: 'oidc',
    }),
    'node-version': Flags.string({ description: 'Node.js version for actions/setup-node', default: '24' }),
    'packer-version': Flags.string({
      description: 'Packer version for hashicorp/setup-packer (1.7 and later also run packer init)',
      default: '1.11.2',
    }),
    branch: Flags.string({ description: 'Default branch: pushes to it build the image', default: 'main' }),
    'tag-pattern': Flags.string({
      description: 'Pushed tags matching this pattern build the image',
      default: 'v*',
    }),
    force: Flags.boolean({
      description: 'Overwrite an existing workflow file that sindri did not generate',
      default: false,
    }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(CiGithub);
    this.checkCloud(flags.cloud);
    const { generateGithubWorkflow } = await import('../../../ci/generate.ts');
    const generated = await generateGithubWorkflow({
      configPath: flags.config,
      out: flags.out,
      auth: flags.auth as 'oidc' | 'secrets',
      nodeVersion: flags['node-version'],
      packerVersion: flags['packer-version'],
      branch: flags.branch,
      tagPattern: flags['tag-pattern'],
      force: flags.force,
      sindriVersion: this.config.version,
      cwd: process.cwd(),
    });
    for (const warning of generated.warnings) this.info(`! ${warning}`);
    if (generated.file === undefined) {
      if (!this.jsonEnabled()) process.stdout.write(generated.text);
    } else {
      this.print(`✓ wrote ${generated.file} (${generated.summary})`);
      this.print(`  next: ${generated.next}`);
    }
    const { text, ...rest } = generated;
    return { ...rest, ...(generated.file === undefined ? { workflow: text } : {}) };
  }
}
