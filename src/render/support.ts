/**
 * What the alicloud-ecs builder can express, per packer version, and what sindri does with the keys it
 * cannot. `builderFindings` is called by `renderTemplate` (errors abort rendering) and by `sindri packer
 * validate` (to report every finding with its key path). docs/packer-mapping.md is the prose version.
 */
import type { SettingKey, SettingName } from '../config/settings.ts';
import type { SindriConfig } from '../config/types.ts';
import { packerSupportsRequiredPlugins } from '../packer/binary.ts';

export interface SupportFinding {
  /** 'error': the configuration cannot be built as written. 'warning': it builds, and the user must know how. */
  severity: 'error' | 'warning';
  /** sindri.yaml key path, e.g. providers.packer.alibaba.spot_strategy */
  path: string;
  message: string;
}

const A = 'providers.packer.alibaba';
/** The key path of an alibaba setting; the name must be one of the settings table. */
const alibaba = (name: SettingName<typeof A>): SettingKey => `${A}.${name}`;
const ENVIRONMENT: SettingKey = 'providers.packer.build.environment';
const FILES: SettingKey = 'providers.packer.build.files';

/** Environment variable names sindri sets for its own scripts. */
export const RESERVED_ENV_PREFIX = 'SINDRI_';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function builderFindings(config: SindriConfig, packerVersion: string): SupportFinding[] {
  const p = config.providers.packer;
  const a = p.alibaba;
  const plugin = packerSupportsRequiredPlugins(packerVersion);
  const out: SupportFinding[] = [];

  if (a.spot_strategy !== 'NoSpot' || a.spot_price_limit !== undefined) {
    out.push({
      severity: 'warning',
      path: alibaba('spot_strategy'),
      message:
        'the alicloud-ecs builder has no spot option: the temporary build instance runs pay-as-you-go. Spot pricing only ever applied to that instance, never to the image, so the image is unaffected; remove spot_strategy/spot_price_limit to silence this warning.',
    });
  }

  if (a.system_disk_performance_level !== undefined) {
    if (a.system_disk_category !== 'cloud_essd') {
      out.push({
        severity: 'error',
        path: alibaba('system_disk_performance_level'),
        message: `a performance level applies only to cloud_essd disks, not ${a.system_disk_category}.`,
      });
    } else if (a.system_disk_performance_level !== 'PL1') {
      out.push({
        severity: 'error',
        path: alibaba('system_disk_performance_level'),
        message: `the alicloud-ecs builder cannot choose a disk performance level; its build disk always gets ECS's default for cloud_essd, PL1. A performance level is not stored in an image: choose ${a.system_disk_performance_level} when you create instances from it (sindri packer deploy), and set PL1 or remove the key here.`,
      });
    }
  }

  if (a.vswitch_cidr_block !== undefined) {
    out.push({
      severity: 'error',
      path: alibaba('vswitch_cidr_block'),
      message:
        'the alicloud-ecs builder chooses the CIDR block of the temporary VSwitch itself (inside vpc_cidr_block). To control the subnet, create a VSwitch and set vswitch_id.',
    });
  }

  if (a.image_family !== undefined && !plugin) {
    out.push({
      severity: 'error',
      path: alibaba('image_family'),
      message: `packer ${packerVersion} (the built-in alicloud-ecs builder) has no image_family; it needs packer >= 1.7 with the alicloud plugin. Set source_image to an image ID instead.`,
    });
  }
  if (a.image_family === undefined && a.source_image === undefined) {
    out.push({
      severity: 'error',
      path: alibaba('source_image'),
      message: 'set source_image (an image ID) or image_family: the build needs an image to start from.',
    });
  }

  if (a.resource_group_id !== undefined) {
    out.push({
      severity: 'warning',
      path: alibaba('resource_group_id'),
      message:
        "the alicloud-ecs builder has no resource group option: the temporary build instance and its network stay in the account's default resource group. sindri's distribution step moves the finished image into the resource group (ECS JoinResourceGroup) after the build.",
    });
  }

  if (a.user_data !== undefined && a.user_data_file !== undefined) {
    out.push({
      severity: 'error',
      path: alibaba('user_data_file'),
      message: 'set user_data or user_data_file, not both.',
    });
  }

  for (const key of Object.keys(p.build.environment)) {
    if (!ENV_NAME.test(key)) {
      out.push({
        severity: 'error',
        path: `${ENVIRONMENT}.${key}`,
        message:
          'an environment variable name is letters, digits and underscores, not starting with a digit.',
      });
    } else if (key.startsWith(RESERVED_ENV_PREFIX)) {
      out.push({
        severity: 'error',
        path: `${ENVIRONMENT}.${key}`,
        message: `names beginning ${RESERVED_ENV_PREFIX} are reserved for sindri's own provisioning scripts.`,
      });
    }
  }

  p.build.files.forEach((f, i) => {
    if (!f.destination.startsWith('/')) {
      out.push({
        severity: 'error',
        path: `${FILES}.${i}.destination`,
        message: 'a destination is an absolute path on the build instance.',
      });
    }
  });

  return out;
}
