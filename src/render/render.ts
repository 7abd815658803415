import { chmod, cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { settingNames } from '../config/settings.ts';
import { instanceTypes, type SindriConfig } from '../config/types.ts';
import { ExitCode, SindriError } from '../errors.ts';
import { packerSupportsRequiredPlugins } from '../packer/binary.ts';
import { templatesDir } from '../util/paths.ts';
import {
  loadCatalogue,
  resolveExtensions,
  resolveSources,
  sourceVariable,
  UnknownExtensionError,
} from './catalogue.ts';
import { computeConfigHash, hashableConfig, hashPath } from './hash.ts';
import { hclBool, hclNumber, hclString, packerList, packerString } from './hcl.ts';
import { mirrorEnvironment, mirrorSet } from './mirrors.ts';
import { builderFindings, type SupportFinding } from './support.ts';

export interface RenderOptions {
  /** The packer that will run the template, e.g. "1.6.6" (decides the required_plugins block). */
  packerVersion: string;
  /** Recorded in the sindri:build-id tag through `-var build_id=...`; never written into the template. */
  buildId: string;
  /** The CLI's own version: the sindri:version tag, and the in-image CLI when build.sindri_version is unset. */
  sindriVersion: string;
  /** Directory of sindri.yaml, for build.scripts, build.files and user_data_file. */
  configDir: string;
  /**
   * The VPC of a configured VSwitch, looked up by the build: passed with `-var vpc_id=...`, so the
   * template (and the configuration hash) stays what `sindri packer template` renders.
   */
  vpcId?: string | undefined;
}

export interface RenderedTemplate {
  /** Relative path → content: "sindri.pkr.hcl", "scripts/10-base.sh", ... */
  files: Map<string, string>;
  mainFile: string;
  /**
   * Local files and directories the template uploads (build.files), copied next to it by writeTemplate:
   * relative path in the template directory → absolute source. Their contents are part of the hash.
   */
  copies: Map<string, string>;
  /** sha256 (hex) of the effective configuration, the rendered files and the uploaded files' contents. */
  configHash: string;
  /** Arguments the build must give packer, e.g. ["-var", "build_id=...", "-var", "vpc_id=..."]. */
  packerArgs: string[];
  /** Keys sindri accepted but cannot pass to the builder as written (see docs/packer-mapping.md). */
  warnings: SupportFinding[];
}

/** The configuration asks for something the builder cannot do: exit 2, with each key path. */
export class RenderError extends SindriError {
  readonly findings: SupportFinding[];
  constructor(findings: SupportFinding[]) {
    const lines = findings.map((f) => `${f.path}: ${f.message}`);
    super(
      findings.length === 1
        ? `cannot render the Packer template: ${lines[0]}`
        : `cannot render the Packer template:\n  ${lines.join('\n  ')}`,
      { exitCode: ExitCode.invalidInput, code: 'UnsupportedConfiguration' },
    );
    this.name = 'RenderError';
    this.findings = findings;
  }
}

export const MAIN_FILE = 'sindri.pkr.hcl';
/** Where uploaded files wait on the build instance before 40-files.sh moves them into place. */
export const STAGING_DIR = '/tmp/sindri-upload';
/** A value for the build_id variable when none is given (packer validate, hand-run builds). */
export const DEFAULT_BUILD_ID = 'manual';

// ---- Handlebars, compiled once per process --------------------------------------------------------

type TemplateFn = (context: unknown) => string;
let compiled: Promise<TemplateFn> | undefined;

function mustString(v: unknown, helper: string): string {
  if (typeof v !== 'string')
    throw new Error(`{{${helper}}} expects a string, got ${v === null ? 'null' : typeof v}`);
  return v;
}

async function mainTemplate(): Promise<TemplateFn> {
  compiled ??= (async () => {
    const { default: Handlebars } = await import('handlebars');
    const hb = Handlebars.create();
    hb.registerHelper('hcl', (v: unknown) => packerString(mustString(v, 'hcl')));
    hb.registerHelper('raw', (v: unknown) => hclString(mustString(v, 'raw')));
    hb.registerHelper('num', (v: unknown) => hclNumber(v as number));
    hb.registerHelper('bool', (v: unknown) => hclBool(v as boolean));
    hb.registerHelper('list', (v: unknown, indent: unknown) => {
      if (!Array.isArray(v)) throw new Error('{{list}} expects an array');
      return packerList(
        v.map((x) => mustString(x, 'list')),
        typeof indent === 'number' ? indent : 2,
      );
    });
    hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    const source = await readFile(join(templatesDir, 'sindri.pkr.hcl.hbs'), 'utf8');
    return hb.compile(source, { noEscape: true, strict: true });
  })();
  return compiled;
}

// ---- scripts --------------------------------------------------------------------------------------

const scriptCache = new Map<string, Promise<string>>();
function catalogueScript(rel: string): Promise<string> {
  let p = scriptCache.get(rel);
  if (!p) {
    p = readFile(join(templatesDir, 'scripts', rel), 'utf8');
    scriptCache.set(rel, p);
  }
  return p;
}

function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length > 0 ? cleaned.slice(0, 80) : 'script';
}

type Provisioner =
  | { type: 'shell'; comment: string; scripts: string[] }
  | { type: 'file'; comment: string; source: string; destination: string }
  /** A `cloud-assistant` build: a `shell-local` provisioner that runs sindri's helper. */
  | { type: 'local'; comment: string; inline: string[] };

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
function throughAssistant(provisioners: Provisioner[]): Provisioner[] {
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

/** Attributes the configuration leaves out that sindri may decide at run time, as `-var`. */
const RUNTIME_VARIABLES: Record<string, string> = {
  zone_id:
    'The zone the preflight picked where a candidate instance type and the system disk are in stock. Empty: packer picks one.',
  vpc_id:
    'The VPC of vswitch_id, which the builder needs with it, or of the network a cloud-assistant build makes. sindri looks it up and passes -var vpc_id=<id>.',
  vswitch_id:
    'An existing VSwitch of vpc_id in the zone the preflight picked, or the one a cloud-assistant build makes. Empty: packer makes one.',
  security_group_id:
    "A cloud-assistant build's security group sindri makes, with no inbound rule. Empty: packer makes one.",
};

/** Optional members as null, so Handlebars' strict mode can look them up. */
function withNulls<T extends object, K extends string>(obj: T, keys: readonly K[]): T & Record<K, unknown> {
  const out: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  for (const k of keys) out[k] ??= null;
  return out as T & Record<K, unknown>;
}

/** Every alibaba key: those the configuration leaves out become null, so the template may test any. */
const ALIBABA_KEYS = settingNames('providers.packer.alibaba');

/**
 * Renders the Packer template and its scripts. Pure apart from reading templates/ and the user's
 * scripts and uploads under `configDir`; throws RenderError when the configuration asks for something
 * the builder cannot do (see builderFindings).
 */
export async function renderTemplate(config: SindriConfig, opts: RenderOptions): Promise<RenderedTemplate> {
  const p = config.providers.packer;
  const findings = builderFindings(config, opts.packerVersion);
  const catalogue = await loadCatalogue();
  let extensions: string[];
  try {
    extensions = resolveExtensions(catalogue, config.extensions);
  } catch (err) {
    if (err instanceof UnknownExtensionError) {
      findings.push({ severity: 'error', path: err.path, message: err.message });
      extensions = [];
    } else throw err;
  }
  const resolvedSources = resolveSources(catalogue, extensions, config.extensions);
  for (const f of resolvedSources.findings) findings.push({ severity: 'error', ...f });
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new RenderError(errors);

  const files = new Map<string, string>();
  const provisioners: Provisioner[] = [];
  const addScripts = async (comment: string, rels: string[]): Promise<void> => {
    const out: string[] = [];
    for (const rel of rels) {
      files.set(`scripts/${rel}`, await catalogueScript(rel));
      out.push(`scripts/${rel}`);
    }
    provisioners.push({ type: 'shell', comment, scripts: out });
  };

  // Uploads: each goes to its own staging path, then 40-files.sh moves it to its destination as root.
  const uploadDigests: string[] = [];
  const fileEnv: string[] = [];
  const uploads: Provisioner[] = [];
  const copies = new Map<string, string>();
  for (const [i, f] of p.build.files.entries()) {
    const source = resolve(opts.configDir, f.source);
    let isDir: boolean;
    try {
      isDir = (await stat(source)).isDirectory();
    } catch {
      throw new RenderError([
        {
          severity: 'error',
          path: `providers.packer.build.files.${i}.source`,
          message: `${source} does not exist.`,
        },
      ]);
    }
    uploadDigests.push(await hashPath(source));
    // Copied into the template directory, so the template names it by a relative path that does not
    // depend on where the configuration lives (and the hash stays the same across checkouts).
    const rel = `uploads/${i}`;
    copies.set(rel, source);
    uploads.push({
      type: 'file',
      comment: `build.files[${i}]`,
      // A trailing slash uploads a directory's contents into the staging directory.
      source: isDir ? `${rel}/` : rel,
      destination: `${STAGING_DIR}/${i}`,
    });
    fileEnv.push(`SINDRI_FILE_${i}_DEST=${f.destination}`, `SINDRI_FILE_${i}_KIND=${isDir ? 'dir' : 'file'}`);
  }

  const userScripts: string[] = [];
  for (const [i, s] of p.build.scripts.entries()) {
    const abs = resolve(opts.configDir, s);
    let content: string;
    try {
      content = await readFile(abs, 'utf8');
    } catch {
      throw new RenderError([
        { severity: 'error', path: `providers.packer.build.scripts.${i}`, message: `cannot read ${abs}.` },
      ]);
    }
    const rel = `scripts/user/${String(i + 1).padStart(2, '0')}-${safeName(basename(s))}`;
    files.set(rel, content);
    userScripts.push(rel);
  }

  let userDataFile: string | null = null;
  if (p.alibaba.user_data_file !== undefined) {
    const abs = resolve(opts.configDir, p.alibaba.user_data_file);
    try {
      files.set('user-data', await readFile(abs, 'utf8'));
    } catch {
      throw new RenderError([
        {
          severity: 'error',
          path: 'providers.packer.alibaba.user_data_file',
          message: `cannot read ${abs}.`,
        },
      ]);
    }
    userDataFile = 'user-data';
  }

  // Provisioning order: base, the Sindri CLI, extensions, uploads, user scripts, hardening, cleanup.
  const mirrors = mirrorSet(p.build) !== undefined;
  await addScripts(
    `Base set-up: cloud-init, ${mirrors ? 'package mirrors, ' : ''}updates, base packages, the Sindri CLI`,
    ['00-wait-cloud-init.sh', ...(mirrors ? ['05-mirrors.sh'] : []), '10-base.sh', '20-sindri.sh'],
  );
  if (extensions.length > 0) {
    await addScripts(
      `Extensions: ${extensions.join(', ')}`,
      extensions.map((e) => `extensions/${e}.sh`),
    );
  }
  if (uploads.length > 0) {
    provisioners.push(...uploads);
    await addScripts('Move uploaded files into place', ['40-files.sh']);
  }
  if (userScripts.length > 0)
    provisioners.push({ type: 'shell', comment: 'User scripts', scripts: userScripts });
  if (p.build.security.cis_hardening) await addScripts('CIS level 1 hardening', ['80-cis-hardening.sh']);
  const restore = mirrors && p.build.mirrors_in_image === 'restore';
  await addScripts(restore ? "Cleanup: the image's own package sources back, then the clean-up" : 'Cleanup', [
    ...(restore ? ['85-mirrors-restore.sh'] : []),
    '90-cleanup.sh',
  ]);

  const sec = p.build.security;
  const environment = [
    ...Object.keys(p.build.environment)
      .sort()
      .map((k) => `${k}=${p.build.environment[k]}`),
    `SINDRI_VERSION=${p.build.sindri_version ?? opts.sindriVersion}`,
    `SINDRI_EXTENSIONS=${extensions.join(' ')}`,
    ...extensions.map((e) => `${sourceVariable(e)}=${resolvedSources.sources.get(e) ?? 'upstream'}`),
    `SINDRI_SSH_USERNAME=${p.build.ssh_username}`,
    `SINDRI_CIS_HARDENING=${sec.cis_hardening ? '1' : '0'}`,
    `SINDRI_CLEAN_SENSITIVE_DATA=${sec.clean_sensitive_data ? '1' : '0'}`,
    `SINDRI_REMOVE_SSH_KEYS=${sec.remove_ssh_keys ? '1' : '0'}`,
    `SINDRI_STAGING=${STAGING_DIR}`,
    `SINDRI_FILE_COUNT=${p.build.files.length}`,
    ...fileEnv,
    ...(mirrors ? mirrorEnvironment(p.build) : []),
  ];
  const assistant = p.build.communicator === 'cloud-assistant';
  if (assistant)
    files.set(
      ASSISTANT_ENV_FILE,
      `${environment
        .map((e) => {
          const at = e.indexOf('=');
          return `${e.slice(0, at)}=${shellWord(e.slice(at + 1))}`;
        })
        .join('\n')}\n`,
    );
  const a = p.alibaba;
  const candidates = instanceTypes(a);
  const variables = [
    ...(candidates.length > 1
      ? [
          {
            name: 'instance_type',
            default: candidates[0] as string,
            description: `The candidate instance type packer launches: sindri passes the one it picked (${candidates.join(', ')}) with -var.`,
          },
        ]
      : []),
    ...Object.entries(RUNTIME_VARIABLES)
      .filter(([name]) => a[name as keyof typeof a] === undefined)
      .map(([name, description]) => ({ name, default: '', description })),
    ...(p.build.bastion?.private_key_file
      ? [
          {
            name: 'bastion_private_key_file',
            default: '',
            description:
              "The bastion's private key (build.bastion.private_key_file), as an absolute path sindri passes with -var.",
          },
        ]
      : []),
  ];

  // User tags first; sindri's own tags win over a user tag of the same name.
  const tagMap: Record<string, string> = { ...p.tags };
  delete tagMap['sindri:build-id'];
  tagMap.ManagedBy = 'sindri';
  tagMap['sindri:version'] = opts.sindriVersion;
  const tagsWith = (hash: string) => {
    const all: Record<string, string> = { ...tagMap, 'sindri:config-hash': hash };
    return Object.keys(all)
      .sort()
      .map((key) => ({ key, value: all[key] as string }));
  };

  const view = (hash: string) => ({
    requiredPlugins: packerSupportsRequiredPlugins(opts.packerVersion),
    variables,
    instanceTypeVariable: candidates.length > 1,
    instanceType: candidates[0] as string,
    cloudAssistant: assistant,
    sshPrivate: p.build.communicator === 'ssh-private',
    bastion: p.build.bastion ? withNulls(p.build.bastion, ['private_key_file'] as const) : null,
    image_name: p.image_name,
    description: p.description ?? null,
    alibaba: withNulls(p.alibaba, ALIBABA_KEYS),
    build: p.build,
    userDataFile,
    tags: tagsWith(hash),
    environment,
    // Non-root users run the scripts through sudo; root keeps packer's default command.
    executeCommand:
      p.build.ssh_username === 'root'
        ? null
        : "chmod +x {{ .Path }}; sudo -n sh -c '. {{ .EnvVarFile }} && exec {{ .Path }}'",
    provisioners: assistant ? throughAssistant(provisioners) : provisioners,
    configHash: hash,
  });

  const template = await mainTemplate();
  // The hash covers everything the image is made of, including the template as rendered with an empty
  // hash; the final template differs from that only in the hash values themselves.
  files.set(MAIN_FILE, template(view('')));
  const configHash = computeConfigHash({ config: hashableConfig(config), files, uploads: uploadDigests });
  files.set(MAIN_FILE, template(view(configHash)));

  return {
    files,
    mainFile: MAIN_FILE,
    copies,
    configHash,
    packerArgs: [
      '-var',
      `build_id=${opts.buildId}`,
      ...(opts.vpcId && p.alibaba.vswitch_id && !p.alibaba.vpc_id ? ['-var', `vpc_id=${opts.vpcId}`] : []),
      // The bastion's key, by an absolute path that stays out of the template (and its hash).
      ...(p.build.bastion?.private_key_file
        ? ['-var', `bastion_private_key_file=${resolve(opts.configDir, p.build.bastion.private_key_file)}`]
        : []),
    ],
    warnings: findings.filter((f) => f.severity === 'warning'),
  };
}

/** Writes a rendered template and copies its uploads: directories 0700, scripts 0700, other files 0600. */
export async function writeTemplate(rendered: RenderedTemplate, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  for (const [rel, content] of rendered.files) {
    const target = join(dir, rel);
    const parent = dirname(target);
    await mkdir(parent, { recursive: true, mode: 0o700 });
    const mode = rel.startsWith('scripts/') ? 0o700 : 0o600;
    await writeFile(target, content, { mode });
    await chmod(target, mode);
  }
  for (const [rel, source] of rendered.copies) {
    const target = join(dir, rel);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await cp(source, target, { recursive: true, dereference: true, preserveTimestamps: true });
  }
}
