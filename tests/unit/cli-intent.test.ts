// `nephoran-cnf render -f <intent.yaml>`: a NetworkIntent is rendered into the CNFDeployments its
// controller would create (a YAML stream, or one file each with -o); bad input exits 2 naming fields.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments, stringify } from 'yaml';
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, run, type CliIO } from '../../scripts/nephoran-cnf.ts';
import { validateCNFDeployment } from '../../lib/validate.ts';
import type { CNFDeployment } from '../../lib/types.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function fakeIO(files: Record<string, string>, failWrites = false) {
  const written: Record<string, string> = {};
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    readFile: (p) => {
      if (!(p in files)) throw new Error(`ENOENT: no such file, open '${p}'`);
      return files[p]!;
    },
    mkdir: () => {
      if (failWrites) throw new Error('EACCES');
    },
    writeFile: (p, t) => {
      written[p] = t;
    },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  };
  return { io, written, stdout: () => out.join(''), stderr: () => err.join('') };
}

const intent = (spec: Record<string, unknown>, name = 'amf-intent'): string =>
  stringify({
    apiVersion: 'nephoran.com/v1',
    kind: 'NetworkIntent',
    metadata: { name, namespace: 'default' },
    spec,
  });

describe('nephoran-cnf render with a NetworkIntent', () => {
  it('prints the CNFDeployments it would create, as a YAML stream of valid CNFDeployments', () => {
    const f = fakeIO({ 'i.yaml': intent({ intent: 'Deploy AMF with 3 replicas' }) });
    expect(run(['render', '-f', 'i.yaml'], f.io)).toBe(EXIT_OK);
    expect(f.stdout()).toMatch(
      /^---\n# CNFDeployment amf-intent-amf\napiVersion: nephoran.com\/v1\nkind: CNFDeployment\n/,
    );
    const docs = parseAllDocuments(f.stdout()).map((d) => d.toJS() as CNFDeployment);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({
      metadata: { name: 'amf-intent-amf', labels: { 'nephoran.com/intent': 'amf-intent' } },
      spec: { function: 'AMF', replicas: 3 },
    });
    expect(validateCNFDeployment(docs[0]).ok).toBe(true);
  });

  it('the site example: nine CNFDeployments, every dependency among them', () => {
    const file = `${root}examples/intent-site-core.yaml`;
    const f = fakeIO({ [file]: readFileSync(file, 'utf8') });
    expect(run(['render', '-f', file], f.io)).toBe(EXIT_OK);
    const docs = parseAllDocuments(f.stdout()).map((d) => d.toJS() as CNFDeployment);
    const names = docs.map((d) => d.metadata.name);
    expect(names).toEqual([
      'edge-1-core-nrf',
      'edge-1-core-ausf',
      'edge-1-core-udm',
      'edge-1-core-udr',
      'edge-1-core-pcf',
      'edge-1-core-nssf',
      'edge-1-core-amf',
      'edge-1-core-smf',
      'edge-1-core-upf',
    ]);
    for (const d of docs) for (const dep of d.spec.dependencies ?? []) expect(names).toContain(dep);
    expect(docs.find((d) => d.spec.function === 'SMF')?.spec.dependencies).toEqual([
      'edge-1-core-nrf',
      'edge-1-core-upf',
    ]);
  });

  it('-o writes one <name>.yaml per CNFDeployment', () => {
    const f = fakeIO({ 'i.yaml': intent({ functions: [{ function: 'NRF' }, { function: 'SMF' }] }, 'c') });
    expect(run(['render', '-f', 'i.yaml', '-o', 'out'], f.io)).toBe(EXIT_OK);
    expect(Object.keys(f.written).sort()).toEqual(['out/c-nrf.yaml', 'out/c-smf.yaml']);
    expect(f.stderr()).toBe('wrote 2 CNFDeployments to out\n');
    const failing = fakeIO({ 'i.yaml': intent({ profile: 'ran-site' }) }, true);
    expect(run(['render', '-f', 'i.yaml', '-o', '/ro'], failing.io)).toBe(EXIT_FAILURE);
    expect(failing.stderr()).toContain('error: cannot write /ro: EACCES');
  });

  it('a sentence it cannot parse: exit 2, the words it did not understand, nothing written', () => {
    const f = fakeIO({ 'i.yaml': intent({ intent: 'Deploy a flux capacitor' }) });
    expect(run(['render', '-f', 'i.yaml', '-o', 'out'], f.io)).toBe(EXIT_BAD_INPUT);
    expect(f.written).toEqual({});
    expect(f.stderr()).toMatch(
      /^error: i\.yaml: 1 problem, nothing written\n {2}spec\.intent: did not understand "flux", "capacitor"\. An intent is a sentence such as/,
    );
  });

  it('bad structured input: exit 2 with every field path', () => {
    const f = fakeIO({
      'i.yaml': intent({
        functions: [
          { function: 'NRF' },
          { function: 'UPF', networkConfig: { interfaces: [{ name: 'n3', cniType: 'bridge' }] } },
          { function: 'AMFX' },
        ],
        size: 'huge',
      }),
    });
    expect(run(['render', '-f', 'i.yaml'], f.io)).toBe(EXIT_BAD_INPUT);
    expect(f.stderr()).toContain('  spec.size: must be one of small, medium, large\n');
    expect(f.stderr()).toContain(
      '  spec.functions[2].function: unknown function "AMFX"; known: AMF, SMF, UPF',
    );
    const g = fakeIO({
      'i.yaml': intent({
        functions: [{ function: 'UPF', networkConfig: { interfaces: [{ name: 'n3', cniType: 'bridge' }] } }],
      }),
    });
    expect(run(['render', '-f', 'i.yaml'], g.io)).toBe(EXIT_BAD_INPUT);
    expect(g.stderr()).toBe(
      'error: i.yaml: 1 problem, nothing written\n  spec.functions[0].networkConfig.interfaces[0].cniType: must be one of macvlan, ipvlan, sriov\n',
    );
    const h = fakeIO({ 'i.yaml': intent({}, 'Bad_Name') });
    expect(run(['render', '-f', 'i.yaml'], h.io)).toBe(EXIT_BAD_INPUT);
    expect(h.stderr()).toContain(
      '  metadata.name: metadata.name must be a DNS-1035 label of at most 40 characters',
    );
    expect(h.stderr()).toContain('  spec: one of intent, functions or profile is required\n');
  });
});
