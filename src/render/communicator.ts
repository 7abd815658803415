/**
 * What the communicator changes in the template. A `cloud-assistant` build runs every script and upload
 * through sindri's helper in `shell-local` provisioners (packer never connects), with the scripts'
 * environment in a file beside the template; an SSH build as a non-root user runs the scripts through sudo.
 */
import type { BuildConfig } from '../config/types.ts';
import type { Provisioner } from './provisioners.ts';

/** The file of a `cloud-assistant` build's script environment, beside the template. */
export const ASSISTANT_ENV_FILE = 'cloud-assistant.env';
/**
 * How a `cloud-assistant` build's provisioners start sindri's helper: packer's environment names the
 * Node.js binary and the helper's file (see the packer-build step), so the template stays the same
 * wherever sindri is installed.
 */
const HELPER = '"$SINDRI_NODE" "$SINDRI_CLOUD_ASSISTANT_JS" --sindri-cloud-assistant';

const shellWord = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Provisioners of a `cloud-assistant` build: every script and upload through the helper. */
export function throughAssistant(provisioners: Provisioner[]): Provisioner[] {
  return provisioners.map((p) => {
    if (p.type === 'shell')
      return {
        type: 'local',
        comment: p.comment,
        inline: [`${HELPER} run --env ${ASSISTANT_ENV_FILE} ${p.scripts.map(shellWord).join(' ')}`],
      };
    if (p.type === 'file')
      return {
        type: 'local',
        comment: p.comment,
        inline: [`${HELPER} upload ${shellWord(p.source.replace(/\/$/, ''))} ${shellWord(p.destination)}`],
      };
    return p;
  });
}

/** The content of ASSISTANT_ENV_FILE: each NAME=value of the environment with the value shell-quoted. */
export function assistantEnvFile(environment: string[]): string {
  return `${environment
    .map((e) => {
      const at = e.indexOf('=');
      return `${e.slice(0, at)}=${shellWord(e.slice(at + 1))}`;
    })
    .join('\n')}\n`;
}

/** The shell provisioners' execute_command: non-root users run the scripts through sudo; root keeps packer's default. */
export function executeCommand(build: Pick<BuildConfig, 'ssh_username'>): string | null {
  return build.ssh_username === 'root'
    ? null
    : "chmod +x {{ .Path }}; sudo -n sh -c '. {{ .EnvVarFile }} && exec {{ .Path }}'";
}
