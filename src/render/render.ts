/**
 * Renders the Packer template: validates what the builder can do, gathers the provisioners
 * (provisioners.ts), their environment (script-environment.ts), the communicator's changes
 * (communicator.ts) and the run-time variables (variables.ts), fills templates/sindri.pkr.hcl.hbs
 * (handlebars.ts) and computes the configuration hash.
 */
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { settingNames } from '../config/settings.ts';
import { instanceTypes, type SindriConfig } from '../config/types.ts';
import { packerSupportsRequiredPlugins } from '../packer/binary.ts';
import { loadCatalogue, resolveExtensions, resolveSources, UnknownExtensionError } from './catalogue.ts';
import { ASSISTANT_ENV_FILE, assistantEnvFile, executeCommand, throughAssistant } from './communicator.ts';
import { mainTemplate } from './handlebars.ts';
import { computeConfigHash, hashableConfig } from './hash.ts';
import { provisionersInOrder, readUploads, readUserScripts } from './provisioners.ts';
import { RenderError } from './render-error.ts';
import { scriptEnvironment } from './script-environment.ts';
import { builderFindings, type SupportFinding } from './support.ts';
import { packerArgs, templateVariables } from './variables.ts';

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

export const MAIN_FILE = 'sindri.pkr.hcl';
/** A value for the build_id variable when none is given (packer validate, hand-run builds). */
export const DEFAULT_BUILD_ID = 'manual';

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
  const uploads = await readUploads(p.build, opts.configDir);
  const userScripts = await readUserScripts(p.build, opts.configDir, files);

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

  const provisioners = await provisionersInOrder(
    p.build,
    extensions,
    uploads.provisioners,
    userScripts,
    files,
  );
  const environment = scriptEnvironment(p.build, {
    sindriVersion: opts.sindriVersion,
    extensions,
    sources: resolvedSources.sources,
    uploads: uploads.environment,
  });
  const assistant = p.build.communicator === 'cloud-assistant';
  if (assistant) files.set(ASSISTANT_ENV_FILE, assistantEnvFile(environment));
  const candidates = instanceTypes(p.alibaba);
  const variables = templateVariables(p);

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
    executeCommand: executeCommand(p.build),
    provisioners: assistant ? throughAssistant(provisioners) : provisioners,
    configHash: hash,
  });

  const template = await mainTemplate();
  // The hash covers everything the image is made of, including the template as rendered with an empty
  // hash; the final template differs from that only in the hash values themselves.
  files.set(MAIN_FILE, template(view('')));
  const configHash = computeConfigHash({ config: hashableConfig(config), files, uploads: uploads.digests });
  files.set(MAIN_FILE, template(view(configHash)));

  return {
    files,
    mainFile: MAIN_FILE,
    copies: uploads.copies,
    configHash,
    packerArgs: packerArgs(p, opts),
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
