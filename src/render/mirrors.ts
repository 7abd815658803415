/**
 * build.mirrors as the provisioning scripts' environment: the Alibaba Cloud mirror presets, or the
 * user's own URLs. `scripts/05-mirrors.sh` points the package managers at them and
 * `scripts/85-mirrors-restore.sh` puts the image's own sources back (build.mirrors_in_image).
 *
 * Hosts: `mirrors.cloud.aliyuncs.com` answers inside every region's VPCs with no internet access
 * (Alibaba Cloud's mirror site, "VPC" addresses), `mirrors.aliyun.com` on the internet; the paths
 * (`/debian`, `/ubuntu`, `/pypi/simple/`, `/docker-ce`, `/goproxy/`, `/rustup`) are the mirror
 * site's. npm has no intranet mirror: `registry.npmmirror.com` (Alibaba's npm mirror) needs internet
 * access either way.
 */
import type { BuildConfig, CustomMirrors } from '../config/types.ts';

export interface MirrorSet {
  /** An archive URL; `{distro}` becomes debian, debian-security or ubuntu. */
  apt?: string;
  yum?: string;
  pip?: string;
  npm?: string;
  /** A Docker registry mirror (daemon.json `registry-mirrors`). */
  docker?: string;
  /** Docker's own apt repository. */
  dockerCe?: string;
  goproxy?: string;
  rustup?: string;
}

const preset = (base: string): MirrorSet => ({
  apt: `${base}/{distro}`,
  yum: base,
  pip: `${base}/pypi/simple/`,
  npm: 'https://registry.npmmirror.com',
  dockerCe: `${base}/docker-ce`,
  goproxy: `${base}/goproxy/`,
  rustup: `${base}/rustup`,
});

export const MIRROR_PRESETS: Readonly<Record<'aliyun-intranet' | 'aliyun-public', MirrorSet>> = {
  'aliyun-intranet': preset('http://mirrors.cloud.aliyuncs.com'),
  'aliyun-public': preset('https://mirrors.aliyun.com'),
};

/** The mirrors a build uses, or nothing for `none`. */
export function mirrorSet(build: Pick<BuildConfig, 'mirrors'>): MirrorSet | undefined {
  const m = build.mirrors;
  if (m === 'none') return undefined;
  if (typeof m === 'string') return MIRROR_PRESETS[m];
  const custom: CustomMirrors = m;
  return { ...custom };
}

/** `NAME=value` lines of the provisioning scripts' environment. */
export function mirrorEnvironment(build: Pick<BuildConfig, 'mirrors' | 'mirrors_in_image'>): string[] {
  const set = mirrorSet(build);
  if (!set) return ['SINDRI_MIRRORS=none'];
  const host = (url: string) => new URL(url).hostname;
  const env = [
    `SINDRI_MIRRORS=${typeof build.mirrors === 'string' ? build.mirrors : 'custom'}`,
    `SINDRI_MIRRORS_IN_IMAGE=${build.mirrors_in_image}`,
  ];
  if (set.apt) env.push(`SINDRI_MIRROR_APT=${set.apt}`);
  if (set.yum) env.push(`SINDRI_MIRROR_YUM=${set.yum}`);
  if (set.pip)
    env.push(`SINDRI_MIRROR_PIP=${set.pip}`, `PIP_INDEX_URL=${set.pip}`, `PIP_TRUSTED_HOST=${host(set.pip)}`);
  if (set.npm) env.push(`SINDRI_MIRROR_NPM=${set.npm}`, `npm_config_registry=${set.npm}`);
  if (set.docker) env.push(`SINDRI_MIRROR_DOCKER=${set.docker}`);
  if (set.dockerCe) env.push(`SINDRI_MIRROR_DOCKER_CE=${set.dockerCe}`);
  if (set.goproxy) env.push(`GOPROXY=${set.goproxy},direct`);
  if (set.rustup) env.push(`RUSTUP_DIST_SERVER=${set.rustup}`, `RUSTUP_UPDATE_ROOT=${set.rustup}/rustup`);
  return env;
}
