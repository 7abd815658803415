import { Args, Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { optionalConfigFlag, regionFlag } from '../../cli/flags.ts';

export default class Deploy extends SindriCommand {
  static override summary = 'Start an instance from an image and wait until it runs';
  static override description =
    `Runs one instance (RunInstances with a ClientToken) in the VSwitch and security group from the flags or sindri.yaml, tagged ManagedBy=sindri, and waits until it is Running. --ssh-public-key imports the key as a key pair named after the key (reused on later deploys).
If anything fails once the instance exists, the instance (and a key pair imported for it) is deleted again, unless --keep-on-failure.
Instead of an image ID, --family starts the newest Available image of an image family in the region (DescribeImageFromFamily), and --channel the image a channel points to there (\`sindri packer promote\`). A revoked image (\`sindri packer revoke\`) is refused unless --force.`;
  static override examples = [
    '<%= config.bin %> packer deploy --cloud alibaba m-bp1xxxx',
    '<%= config.bin %> packer deploy --cloud alibaba m-bp1xxxx --instance-type ecs.g7.xlarge --region cn-shanghai',
    '<%= config.bin %> packer deploy m-bp1xxxx --vswitch-id vsw-bp1xxxx --security-group-id sg-bp1xxxx --ssh-public-key ~/.ssh/id_ed25519.pub --public-ip --json',
    '<%= config.bin %> packer deploy --family web --region cn-shanghai',
    '<%= config.bin %> packer deploy --channel prod',
  ];

  static override args = {
    imageId: Args.string({ description: 'Image to start the instance from (or --family, --channel)' }),
  };

  static override flags = {
    config: optionalConfigFlag,
    region: regionFlag,
    family: Flags.string({
      description: 'Start the newest Available image of this image family in the region',
      exclusive: ['channel'],
    }),
    channel: Flags.string({
      description: 'Start the image this channel points to in the region',
      exclusive: ['family'],
    }),
    line: Flags.string({
      description:
        "With --channel: the image line (an image name, its version ignored) [default: the config's image_name]",
      dependsOn: ['channel'],
    }),
    force: Flags.boolean({ description: 'Deploy a revoked image anyway', default: false }),
    'instance-type': Flags.string({
      description: 'Instance type [default: config instance_type or ecs.g6.xlarge]',
    }),
    'vswitch-id': Flags.string({
      description: 'VSwitch to place the instance in [default: config vswitch_id]',
    }),
    'security-group-id': Flags.string({
      description: 'Security group [default: config security_group_id]',
    }),
    'key-pair': Flags.string({
      description: 'Existing key pair to log in with',
      exclusive: ['ssh-public-key'],
    }),
    'ssh-public-key': Flags.string({
      description: 'OpenSSH public key file to import (as a key pair named after the key)',
      exclusive: ['key-pair'],
    }),
    'public-ip': Flags.boolean({ description: 'Give the instance a public IP address', default: false }),
    name: Flags.string({ description: 'Instance name [default: image name and a suffix]' }),
    'keep-on-failure': Flags.boolean({
      description: 'Keep the instance when the deploy fails (for debugging)',
      default: false,
    }),
    timeout: Flags.integer({ description: 'Seconds to wait for Running', default: 600, min: 1 }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(Deploy);
    this.checkCloud(flags.cloud);
    const { runDeploy } = await import('../../lifecycle/deploy.ts');
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // Progress lines only for a person at a terminal; failures and clean-up are always reported.
    const tty = !this.jsonEnabled() && process.stderr.isTTY === true;
    try {
      const result = await runDeploy({
        imageId: args.imageId,
        family: flags.family,
        channel: flags.channel,
        line: flags.line,
        force: flags.force,
        configPath: flags.config,
        region: flags.region,
        instanceType: flags['instance-type'],
        vswitchId: flags['vswitch-id'],
        securityGroupId: flags['security-group-id'],
        keyPair: flags['key-pair'],
        sshPublicKeyFile: flags['ssh-public-key'],
        publicIp: flags['public-ip'],
        name: flags.name,
        keepOnFailure: flags['keep-on-failure'],
        timeoutMs: flags.timeout * 1000,
        signal: abort.signal,
        onProgress: (line) => {
          if (tty || /^(deploy failed|deleted|kept)/.test(line)) process.stderr.write(`  ${line}\n`);
        },
      });
      if (!this.jsonEnabled()) {
        const lines = [
          `instance:   ${result.instanceId} (${result.instanceName})`,
          `image:      ${result.imageId}${result.family ? ` (family ${result.family})` : result.channel ? ` (channel ${result.channel})` : ''}`,
          `region:     ${result.region} ${result.zoneId}`,
          `type:       ${result.instanceType}`,
          `private IP: ${result.privateIp ?? '-'}`,
          `public IP:  ${result.publicIp ?? '-'}`,
          `key pair:   ${result.keyPairName ?? '-'}`,
        ];
        if (result.ssh) lines.push(`ssh:        ${result.ssh}`);
        process.stdout.write(`${lines.join('\n')}\n`);
        if (!result.keyPairName)
          this.info('note: no key pair was given; log in through the console or pass --ssh-public-key');
      }
      return { ...result };
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  }
}
