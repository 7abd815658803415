/**
 * Which image `sindri packer deploy` starts: the one given, a family's newest, or a channel's; and
 * whether it may be deployed (its status, a revocation).
 */
import type { CloudClients } from '../cloud/index.ts';
import { SindriError, UsageError } from '../errors.ts';
import { newestOfFamily } from '../images/ancestry.ts';
import { channelHeads, lineOf, revocationOf } from '../images/channels.ts';
import { ALL_IMAGE_STATUSES, describeRegionImages, toImageRow } from '../images/images.ts';
import { createLimiter } from '../images/limit.ts';
import { tagRecord } from '../images/tags.ts';

export interface ImageChoice {
  imageId?: string | undefined;
  /** The newest Available image of this family in the region (DescribeImageFromFamily). */
  family?: string | undefined;
  /** The image this channel points to in the region (`sindri packer promote`). */
  channel?: string | undefined;
  /** The image line of the channel (an image name, its version ignored), when the region has several. */
  line?: string | undefined;
}

/** The image `--family` or `--channel` names in the region, or the one given. */
export async function chooseImage(clients: CloudClients, region: string, opts: ImageChoice): Promise<string> {
  const given = [opts.imageId, opts.family, opts.channel].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new UsageError(
      'deploy needs exactly one of an image ID, --family or --channel.',
      'e.g. sindri packer deploy --family web',
    );
  if (opts.family) {
    const newest = await newestOfFamily(clients, region, opts.family);
    if (!newest?.imageId)
      throw new SindriError(`Image family ${opts.family} has no Available image in ${region}.`, {
        code: 'FamilyEmpty',
        actions: ['check the family and the region (`sindri packer list --region ...`)'],
      });
    return newest.imageId;
  }
  if (opts.channel) {
    const channel = opts.channel;
    const rows = (await describeRegionImages(clients, region, createLimiter(4))).map((i) =>
      toImageRow(region, i),
    );
    const line = opts.line === undefined ? undefined : lineOf(opts.line);
    const heads = channelHeads(region, rows, channel).filter(
      (h) => line === undefined || lineOf(h.name) === line,
    );
    if (heads.length === 0)
      throw new SindriError(
        `Channel ${channel}${line ? ` of ${line}` : ''} points to no image in ${region}.`,
        {
          code: 'ChannelEmpty',
          actions: [
            'promote a build to it (`sindri packer promote <image> --channel ...`), or check `sindri packer channels`',
          ],
        },
      );
    if (heads.length > 1)
      throw new UsageError(
        `Channel ${channel} points to images of ${heads.length} lines in ${region}: ${heads.map((h) => `${lineOf(h.name)} (${h.imageId})`).join(', ')}.`,
        'pass --line with the image name, or run where its sindri.yaml is',
      );
    return (heads[0] as (typeof heads)[number]).imageId;
  }
  return opts.imageId as string;
}

/**
 * The image to deploy, looked up in the region: it must be Available or Deprecated, and a revoked
 * image needs `force`. Says on `progress` when it deploys a revoked or deprecated image anyway.
 */
export async function deployableImage(
  clients: CloudClients,
  region: string,
  imageId: string,
  force: boolean | undefined,
  progress: (line: string) => void,
) {
  const images = await clients.call('ecs', 'DescribeImages', {
    regionId: region,
    imageId,
    status: ALL_IMAGE_STATUSES,
  });
  const image = (images.images?.image ?? []).find((i) => i.imageId === imageId);
  if (!image) {
    throw new SindriError(`No image ${imageId} in ${region}.`, {
      code: 'ImageNotFound',
      actions: ['check the ID and region with `sindri packer list --all-regions`'],
    });
  }
  // A deprecated image still launches instances (deprecation only stops sharing, copying and families).
  if (image.status !== 'Available' && image.status !== 'Deprecated') {
    throw new SindriError(
      `Image ${imageId} is ${image.status}; only Available and Deprecated images can be deployed.`,
      {
        code: 'ImageNotAvailable',
        actions: [
          image.status === 'Creating' || image.status === 'Waiting'
            ? 'wait until the image is Available (`sindri packer list`) and deploy again'
            : 'deploy another image (`sindri packer list`)',
        ],
      },
    );
  }
  const revoked = revocationOf(tagRecord(image.tags));
  if (revoked && !force)
    throw new SindriError(
      `Image ${imageId} was revoked at ${revoked.at}: ${revoked.reason || 'no reason given'}.`,
      {
        code: 'ImageRevoked',
        actions: ['deploy another image (`sindri packer channels`), or pass --force to deploy it anyway'],
      },
    );
  if (revoked) progress(`image ${imageId} was revoked; deploying it anyway (--force)`);
  if (image.status === 'Deprecated') progress(`image ${imageId} is Deprecated; deploying it anyway`);
  return image;
}
