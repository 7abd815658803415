/**
 * The main template, templates/sindri.pkr.hcl.hbs, compiled once per process with the helpers that
 * turn values into HCL literals (every one through src/render/hcl.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { templatesDir } from '../util/paths.ts';
import { hclBool, hclNumber, hclString, packerList, packerString } from './hcl.ts';

export type TemplateFn = (context: unknown) => string;
let compiled: Promise<TemplateFn> | undefined;

function mustString(v: unknown, helper: string): string {
  if (typeof v !== 'string')
    throw new Error(`{{${helper}}} expects a string, got ${v === null ? 'null' : typeof v}`);
  return v;
}

export async function mainTemplate(): Promise<TemplateFn> {
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
