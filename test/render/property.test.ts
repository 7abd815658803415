// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the test data is HCL and shell text, not JavaScript templates
/**
 * Property: arbitrary text in every free-text field renders to a template that a real HCL parser reads
 * back as exactly that text (after NFC, which HCL applies), once the template sequences are unescaped
 * the way packer does it: HCL's `$${` / `%%{`, then packer's Go-template pass (`{{"{{"}}` → `{{`).
 * A sample of the rendered templates also passes the real `packer validate`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from '@cdktn/hcl2json';
import fc from 'fast-check';
import type { SindriConfig } from '../../src/config/types.ts';
import { findPacker } from '../../src/packer/binary.ts';
import { packerValidate } from '../../src/packer/validate.ts';
import { unescapeGoTemplate } from '../../src/render/hcl.ts';
import { renderTemplate, writeTemplate } from '../../src/render/render.ts';
import { makeConfig, packerEnv, RENDER_OPTS, withTempDir } from './fixtures.ts';

/** What packer makes of a string value hcl2json returns (hcl2json keeps template escapes visible). */
function asPackerReadsIt(fromHcl2json: string): string {
  const hclValue = fromHcl2json.replace(/\$\$\{|%%\{/g, (m) => (m === '$${' ? '${' : '%{'));
  return unescapeGoTemplate(hclValue);
}

const tricky = fc.constantFrom(
  '${',
  '%{',
  '{{',
  '}}',
  '$${',
  '%%{',
  '$$',
  '%%',
  '$',
  '%',
  '{',
  '}',
  '"',
  '\\',
  '\\n',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  'e\u0301',
  '\u212b',
  '{{"{{"}}',
  '{{ .Path }}',
  '{{- /* x */ -}}',
  '${var.build_id}',
  '%{ if true }x%{ endif }',
  "'",
  '`',
  '镜像',
  '😀',
  ' ',
);

/** Arbitrary Unicode text, biased towards everything that means something to HCL, Go templates or a shell. */
const text = (minLength = 0) =>
  fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: tricky },
        fc.string({ unit: 'binary', maxLength: 6 }),
        fc.string({ unit: 'grapheme', maxLength: 6 }),
      ),
      {
        maxLength: 12,
      },
    )
    .map((parts) => parts.join(''))
    .filter((s) => [...s].length >= minLength);

const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,11}$/).filter((k) => !k.startsWith('SINDRI_'));
const imageName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._:-]{1,40}$/).filter((s) => !/^https?:/.test(s));

interface FreeText {
  description: string;
  imageName: string;
  tags: Array<[string, string]>;
  environment: Array<[string, string]>;
  userData: string;
  destinations: string[];
}

const freeText: fc.Arbitrary<FreeText> = fc.record({
  // The schema asks for 2-256 characters; packer checks the same.
  description: text(2).filter((s) => [...s].length <= 256 && !/^https?:\/\//.test(s)),
  imageName,
  tags: fc.uniqueArray(fc.tuple(text(1), text()), {
    maxLength: 4,
    selector: ([k]) => k.normalize('NFC'),
  }),
  environment: fc.uniqueArray(fc.tuple(envName, text()), { maxLength: 4, selector: ([k]) => k }),
  userData: text(1),
  destinations: fc.array(
    text().map((s) => `/${s}`),
    { maxLength: 2 },
  ),
});

const RESERVED_TAGS = new Set(['ManagedBy', 'sindri:version', 'sindri:config-hash', 'sindri:build-id']);

function configFor(v: FreeText): SindriConfig {
  const tags = Object.fromEntries(v.tags.filter(([k]) => !RESERVED_TAGS.has(k.normalize('NFC'))));
  return makeConfig({
    image_name: v.imageName,
    description: v.description,
    tags,
    build: {
      environment: Object.fromEntries(v.environment),
      // Any existing file will do as an upload source: the destination is the free text.
      files: v.destinations.map((destination) => ({ source: 'fixtures.ts', destination })),
    },
    alibaba: { user_data: v.userData },
  });
}

type Json = Record<string, unknown>;

async function readBack(hcl: string) {
  const doc = (await parse('sindri.pkr.hcl', hcl)) as Json;
  const source = ((doc.source as Json)['alicloud-ecs'] as Json).sindri as Json[];
  const src = source[0] as Json;
  const locals = (doc.locals as Json[])[0] as Json;
  const env = new Map<string, string>();
  for (const item of locals.environment as string[]) {
    const v = asPackerReadsIt(item);
    const eq = v.indexOf('=');
    env.set(v.slice(0, eq), v.slice(eq + 1));
  }
  const tags = new Map<string, string>();
  for (const [k, v] of Object.entries(src.tags as Json))
    tags.set(asPackerReadsIt(k), asPackerReadsIt(v as string));
  return {
    description: asPackerReadsIt(src.image_description as string),
    // The builder's image_name is the variable whose default is the configured name.
    imageName:
      src.image_name === '${var.image_name}'
        ? asPackerReadsIt((((doc.variable as Json).image_name as Json[])[0] as Json).default as string)
        : `not the variable: ${String(src.image_name)}`,
    userData: asPackerReadsIt(src.user_data as string),
    tags,
    env,
  };
}

const nfc = (s: string) => s.normalize('NFC');
const opts = { ...RENDER_OPTS, configDir: import.meta.dirname };

describe('free text round-trips through the rendered template', () => {
  it('reads back every field exactly, through a real HCL parser', async () => {
    await fc.assert(
      fc.asyncProperty(freeText, async (v) => {
        const cfg = configFor(v);
        const r = await renderTemplate(cfg, opts);
        const back = await readBack(r.files.get(r.mainFile) as string);
        assert.equal(back.description, nfc(v.description));
        assert.equal(back.imageName, nfc(v.imageName));
        assert.equal(back.userData, nfc(v.userData));
        for (const [k, value] of Object.entries(cfg.providers.packer.tags)) {
          assert.equal(back.tags.get(nfc(k)), nfc(value), `tag ${JSON.stringify(k)}`);
        }
        for (const [k, value] of v.environment) assert.equal(back.env.get(k), nfc(value), `env ${k}`);
        v.destinations.forEach((d, i) => {
          assert.equal(back.env.get(`SINDRI_FILE_${i}_DEST`), nfc(d), `destination ${i}`);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('a sample passes the real packer validate', async () => {
    const packer = await findPacker(packerEnv());
    assert.ok(packer, 'packer must be on PATH');
    const samples = fc.sample(freeText, { numRuns: 5, seed: 20260101 });
    // The hardest case by hand, in addition to the random ones.
    samples.push({
      description: 'a ${b} %{c} {{d}} "e" \\f\n\t\u0001 $${g} %%{h} {{"{{"}} e\u0301',
      imageName: 'sindri-x',
      tags: [['k${x}{{', 'v%{y}}}"\\']],
      environment: [['WEIRD', "'$(rm -rf /)' ${HOME} {{ .Vars }} \n"]],
      userData: '#!/bin/sh\necho "${X}" {{ y }}\n',
      destinations: ['/etc/{{x}}/${y}/%{z}'],
    });
    for (const v of samples) {
      const r = await renderTemplate(configFor(v), { ...opts, packerVersion: packer.version });
      await withTempDir(async (dir) => {
        await writeTemplate(r, dir);
        const res = await packerValidate(dir, r.mainFile, {
          syntaxOnly: false,
          env: packerEnv(),
          args: r.packerArgs,
        });
        assert.equal(res.ok, true, `${res.raw}\n--- template ---\n${r.files.get(r.mainFile)}`);
      });
    }
  });
});
