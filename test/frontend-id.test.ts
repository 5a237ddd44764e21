// A front-end of the shared queue keeps its name across restarts in DATA_DIR/frontend-id. A file left empty (a crash
// while it was first written) names nothing: a new name is made, as for a first start, and written whole.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { frontEndId } from '../src/services.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'frontend-id-'));
  dirs.push(dir);
  return dir;
};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a front-end’s name', () => {
  it('is made once and kept across starts', () => {
    const dir = fresh();
    const first = frontEndId(dir);
    expect(first).toMatch(UUID);
    expect(frontEndId(dir)).toBe(first);
    expect(readFileSync(join(dir, 'frontend-id'), 'utf8')).toBe(`${first}\n`);
  });

  it('is made anew where the file was left empty or blank', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'frontend-id'), '  \n');
    const id = frontEndId(dir);
    expect(id).toMatch(UUID);
    expect(frontEndId(dir)).toBe(id);
  });
});
