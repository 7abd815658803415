/**
 * What is in an image: the installed packages as a CycloneDX 1.5 document, read on an instance of the
 * image by the test stage (dpkg or rpm), with package URLs naming the distribution.
 */
import { createHash, randomUUID } from 'node:crypto';
import { byCodeUnits } from '../util/order.ts';

/** Prints the distribution (os-release) and then one `name<TAB>version<TAB>arch` line per package. */
export const SBOM_SCRIPT = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell and dpkg-query syntax, not a template
  '. /etc/os-release 2>/dev/null; echo "os ${ID:-unknown} ${VERSION_ID:-}"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell and dpkg-query syntax, not a template
  "if command -v dpkg-query >/dev/null 2>&1; then echo 'format deb'; dpkg-query -W -f='${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\n' | awk -F'\\t' '$1 ~ /^ii/ {print $2\"\\t\"$3\"\\t\"$4}';",
  "elif command -v rpm >/dev/null 2>&1; then echo 'format rpm'; rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\n';",
  'fi',
].join('\n');

export interface Sbom {
  /** The CycloneDX document, as written. */
  text: string;
  /** `sha256:<hex>` of `text`: what the image's sindri:sbom tag holds. */
  digest: string;
  packages: number;
}

const purlPart = (s: string) => encodeURIComponent(s).replace(/%3A/g, ':');

/** Builds the document from SBOM_SCRIPT's output. */
export function cycloneDx(
  output: string,
  subject: { name: string; imageId: string; sindriVersion: string; now?: Date },
): Sbom {
  const lines = output.split('\n');
  const [, os = 'unknown', osVersion = ''] = (lines.find((l) => l.startsWith('os ')) ?? '').split(' ');
  const format = lines.find((l) => l.startsWith('format '))?.slice(7) ?? 'generic';
  const components = lines
    .filter((l) => l.split('\t').length === 3)
    .map((l) => {
      const [name = '', version = '', arch = ''] = l.split('\t');
      const purl = `pkg:${format}/${purlPart(os)}/${purlPart(name)}@${purlPart(version)}?arch=${purlPart(arch)}${osVersion ? `&distro=${purlPart(`${os}-${osVersion}`)}` : ''}`;
      return { type: 'library', 'bom-ref': purl, name, version, purl };
    })
    .sort((a, b) => byCodeUnits(a.name, b.name));
  const doc = {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: (subject.now ?? new Date()).toISOString(),
      tools: { components: [{ type: 'application', name: 'sindri', version: subject.sindriVersion }] },
      component: {
        type: 'operating-system',
        'bom-ref': subject.imageId,
        name: subject.name,
        version: subject.imageId,
        description: `${os} ${osVersion}`.trim(),
      },
    },
    components,
  };
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  return {
    text,
    digest: `sha256:${createHash('sha256').update(text).digest('hex')}`,
    packages: components.length,
  };
}
