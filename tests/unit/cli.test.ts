import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, USAGE, run, type CliIO } from '../../scripts/nephoran-cnf.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function fakeIO(files: Record<string, string>, failWrites = false) {
  const written: Record<string, string> = {};
  const dirs: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    readFile: (p) => {
      if (!(p in files)) throw new Error(`ENOENT: no such file, open '${p}'`);
      return files[p]!;
    },
    mkdir: (p) => {
      if (failWrites) throw new Error('EACCES');
      dirs.push(p);
    },
    writeFile: (p, t) => {
      written[p] = t;
    },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  };
  return { io, written, dirs, stdout: () => out.join(''), stderr: () => err.join('') };
}

const amf = readFileSync(`${root}examples/amf.yaml`, 'utf8');
const golden = (f: string): string => readFileSync(`${root}tests/golden/amf/${f}`, 'utf8');

describe('nephoran-cnf CLI', () => {
  it('--help prints the usage', () => {
    const f = fakeIO({});
    expect(run(['--help'], f.io)).toBe(EXIT_OK);
    expect(f.stdout()).toBe(USAGE);
  });

  it('render -f prints a YAML stream with a # Source comment per file', () => {
    const f = fakeIO({ 'amf.yaml': amf });
    expect(run(['render', '-f', 'amf.yaml'], f.io)).toBe(EXIT_OK);
    const text = f.stdout();
    expect(text).toContain('# Source: Kptfile\n');
    expect(text).toContain(`# Source: deployment.yaml\n${golden('deployment.yaml')}`);
    const kinds = parseAllDocuments(text).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).toEqual(['Kptfile', 'ConfigMap', 'Deployment', 'FunctionConfig', 'Service']);
    expect(f.written).toEqual({});
  });

  it('render -f -o writes the package files into the directory', () => {
    const f = fakeIO({ 'amf.yaml': amf });
    expect(run(['render', '-f', 'amf.yaml', '-o', 'out/pkg'], f.io)).toBe(EXIT_OK);
    expect(f.dirs).toEqual(['out/pkg']);
    expect(Object.keys(f.written).sort()).toEqual(
      ['Kptfile', 'configmap.yaml', 'deployment.yaml', 'function-config.yaml', 'service.yaml'].map(
        (p) => `out/pkg/${p}`,
      ),
    );
    expect(f.written['out/pkg/Kptfile']).toBe(golden('Kptfile'));
    expect(f.stderr()).toMatch(/^wrote 5 files to out\/pkg \(content hash [0-9a-f]{64}\)\n$/);
  });

  it('prints every schema and CEL problem with its field path, exits 2 and writes nothing', () => {
    const bad = amf
      .replace('replicas: 2', 'replicas: 101\n  replica: 1')
      .replace('type: 5G-Core', 'type: O-RAN')
      .replace("cpu: '2'", "cpu: '500m'");
    const f = fakeIO({ 'bad.yaml': bad });
    expect(run(['render', '-f', 'bad.yaml', '-o', 'out'], f.io)).toBe(EXIT_BAD_INPUT);
    expect(f.dirs).toEqual([]);
    expect(f.written).toEqual({});
    const err = f.stderr();
    expect(err).toContain('error: bad.yaml: 5 problems, nothing written\n');
    expect(err).toContain('  spec.replica: unknown field\n');
    expect(err).toContain('  spec.replicas: must be at most 100\n');
    expect(err).toContain('  spec.replicas: replicas must be less than or equal to maxReplicas\n');
    expect(err).toContain('  spec.function: function is not an O-RAN function');
    expect(err).toContain(
      '  spec.resources.limits.cpu: resources.limits.cpu must be greater than or equal to resources.requests.cpu\n',
    );
  });

  it.each([
    ['an unreadable file', {}, 'missing.yaml', 'missing.yaml: cannot read: ENOENT'],
    ['invalid YAML', { 'x.yaml': 'spec: [\n' }, 'x.yaml', 'x.yaml:2:1: '],
    [
      'two documents of the same name',
      { 'x.yaml': `${amf}---\n${amf}` },
      'x.yaml',
      '  test-amf: metadata.name: is used by an earlier document of the file\n',
    ],
    [
      'a NetworkIntent beside a CNFDeployment',
      { 'x.yaml': `${amf}---\nkind: NetworkIntent\n` },
      'x.yaml',
      '  document 2: kind: a NetworkIntent must be the only document of its file\n',
    ],
    [
      'a problem in the second document',
      {
        'x.yaml': `${amf}---\n${amf.replace('name: test-amf', 'name: amf-2').replace('replicas: 2', 'replicas: 200')}`,
      },
      'x.yaml',
      '  amf-2: spec.replicas: must be at most 100\n',
    ],
    ['an empty file', { 'x.yaml': '' }, 'x.yaml', 'expected a CNFDeployment document, found none'],
    [
      'an unknown function',
      { 'x.yaml': amf.replace('function: AMF', 'function: MME') },
      'x.yaml',
      'spec.function: must be one of AMF',
    ],
    [
      'a bad name',
      { 'x.yaml': amf.replace('name: test-amf', 'name: Test_AMF') },
      'x.yaml',
      'metadata.name: metadata.name must be a DNS-1035 label',
    ],
  ])('rejects %s with exit code 2', (_name, files, file, message) => {
    const f = fakeIO(files);
    expect(run(['render', '-f', file], f.io)).toBe(EXIT_BAD_INPUT);
    expect(f.stderr()).toContain(message);
    expect(f.stdout()).toBe('');
  });

  it('refuses a pool and a static address on one interface: exit 2 with the interface path, nothing written', () => {
    const upf = readFileSync(`${root}examples/upf.yaml`, 'utf8').replace(
      '        vlanID: 104\n',
      '        vlanID: 104\n        ipv4:\n          address: 10.10.4.10/24\n',
    );
    const f = fakeIO({ 'upf.yaml': upf });
    expect(run(['render', '-f', 'upf.yaml', '-o', 'out'], f.io)).toBe(EXIT_BAD_INPUT);
    expect(f.written).toEqual({});
    expect(f.stderr()).toBe(
      'error: upf.yaml: 2 problems, nothing written\n' +
        '  spec.replicas: replicas must be at most 1 when an interface has a static address (ipv4 or ipv6): every pod would claim the same address; give the interface an ipPool to scale\n' +
        '  spec.networkConfig.interfaces[1].ipPool: an interface has either static addresses (ipv4, ipv6) or an ipPool, not both\n',
    );
  });

  it('renders every CNFDeployment of a multi-document file (examples/odu.yaml: the O-DU and its CU-CP)', () => {
    const odu = readFileSync(`${root}examples/odu.yaml`, 'utf8');
    const f = fakeIO({ 'odu.yaml': odu });
    expect(run(['render', '-f', 'odu.yaml'], f.io)).toBe(EXIT_OK);
    const sources = [...f.stdout().matchAll(/^# Source: (.*)$/gm)].map((m) => m[1]);
    expect(sources.filter((p) => p!.endsWith('/Kptfile'))).toEqual(['ocu-cp/Kptfile', 'odu-cell-1/Kptfile']);
    expect(f.stdout()).toContain(
      `# Source: odu-cell-1/deployment.yaml\n${readFileSync(`${root}tests/golden/odu/deployment.yaml`, 'utf8')}`,
    );
    const g = fakeIO({ 'odu.yaml': odu });
    expect(run(['render', '-f', 'odu.yaml', '-o', 'out'], g.io)).toBe(EXIT_OK);
    expect(g.dirs).toEqual(['out/ocu-cp', 'out/odu-cell-1']);
    expect(Object.keys(g.written)).toContain('out/odu-cell-1/network-attachment-def.yaml');
    expect(g.stderr()).toMatch(
      /^wrote 2 packages to out \(content hashes: ocu-cp [0-9a-f]{64}, odu-cell-1 [0-9a-f]{64}\)\n$/,
    );
    const h = fakeIO({ 'odu.yaml': odu }, true);
    expect(run(['render', '-f', 'odu.yaml', '-o', '/ro'], h.io)).toBe(EXIT_FAILURE);
  });

  it('reports a repository given by flag that Porch would reject', () => {
    const f = fakeIO({ 'amf.yaml': amf });
    expect(run(['render', '-f', 'amf.yaml', '--repository', 'Bad_Repo'], f.io)).toBe(EXIT_BAD_INPUT);
    expect(f.stderr()).toContain('  --repository: repository "Bad_Repo" must be a DNS-1123 label\n');
  });

  it('reports a package name derived from metadata that Porch would reject', () => {
    const f = fakeIO({ 'amf.yaml': amf.replace('namespace: default', 'namespace: a'.padEnd(200, 'a')) });
    // long namespace → name longer than 253 characters, attributed to metadata.name
    const code = run(['render', '-f', 'amf.yaml'], f.io);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(f.stderr()).toMatch(/metadata\.name: .*(DNS-1123|longer than 253)/);
  });

  it.each([
    [['render'], 'render needs -f'],
    [[], 'missing command'],
    [['deploy', '-f', 'x'], 'unknown command "deploy"'],
    [['render', '-f', 'x', '--bogus'], "Unknown option '--bogus'"],
  ])('usage errors exit 2: %j', (argv, message) => {
    const f = fakeIO({});
    expect(run(argv, f.io)).toBe(EXIT_BAD_INPUT);
    expect(f.stderr()).toContain(message);
    expect(f.stderr()).toContain('Usage:');
  });

  it('exits 1 when the output cannot be written', () => {
    const f = fakeIO({ 'amf.yaml': amf }, true);
    expect(run(['render', '-f', 'amf.yaml', '-o', '/ro'], f.io)).toBe(EXIT_FAILURE);
    expect(f.stderr()).toContain('error: cannot write /ro: EACCES');
  });
});
