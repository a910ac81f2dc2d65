#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Content scanners on the sample Debian image plus planted app layers: each
# planted secret / weak password is reported with the right layer, path and
# owner; the Debian base layer yields nothing; a whiteout does not hide a
# secret; config Env is scanned; no report ever holds a whole secret.
source "$(dirname "$0")/lib.sh"
need_moat
setup_work
sample_image
B=$(ls -d "$MOAT_CACHE"/sample-build/*/ | head -1)
[ -f "$B/layer1.tar" ] && [ -f "$B/layer2.tar" ] || fail "sample layers missing in $B"

# The planted app layer (layer 3) and a layer 4 that deletes the key.
AKID=AKIAZ4Q7WERTYUIOPXQ2
SKEY=k9Fz3vQ8rT2mW7xLp4Nc6Yb1Hs5Ju0Ge9Da3KiRo
GHTOK=ghp_R8x2Lq9Zt4Wm7Kc1Vb5Nd3Hf6Jg0Ps2Ya8Qe
SLACK=xoxb-2947561038-8362910475623-Qm7Zr2Lp9Xw4Kd8Ns1Vb6Hj3
openssl genrsa -traditional -out "$W/id_rsa" 2048 2>/dev/null || fail "openssl genrsa"
HASH=$(openssl passwd -6 123456)
"$PY" - "$B/layer1.tar" "$W" "$AKID" "$SKEY" "$HASH" <<'PYEOF'
import io, sys, tarfile
base, w, akid, skey, h = sys.argv[1:6]
shadow = tarfile.open(base).extractfile('etc/shadow').read().decode()
shadow += 'appuser:%s:19700:0:99999:7:::\n' % h
files = {
    'etc/app/config.ini': '[aws]\naws_access_key_id = %s\naws_secret_access_key = %s\n' % (akid, skey),
    'root/.ssh/id_rsa': open(w + '/id_rsa').read(),
    'etc/shadow': shadow,
    'etc/redis/redis.conf': '# requirepass foobared\nbind 127.0.0.1\nrequirepass foobared\n',
    # Malware fixtures, harmless: the EICAR test string and a miner config.
    'srv/eicar.com': 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*',
    'opt/miner/config.json': '{"autosave": true, "donate-level": 1, "cpu": {"enabled": true},\n'
                             ' "pools": [{"url": "stratum+tcp://pool.example.net:3333", "algo": "rx/0",'
                             ' "keepalive": true}]}\n',
}
def add(t, name, data, mode=0o644):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = mode; ti.mtime = 1700000000
    t.addfile(ti, io.BytesIO(data))
with tarfile.open(w + '/layer3.tar', 'w', format=tarfile.PAX_FORMAT) as t:
    for n, d in files.items():
        add(t, n, d.encode(), 0o600 if n in ('etc/shadow', 'root/.ssh/id_rsa') else 0o644)
with tarfile.open(w + '/layer4.tar', 'w', format=tarfile.PAX_FORMAT) as t:
    add(t, 'root/.ssh/.wh.id_rsa', b'')
PYEOF
"$PY" "$TOOLS/mkimage.py" --format docker-archive -o "$W/img.tar" --ref moat-test/content:1 \
    --layer "$B/layer1.tar" --created-by "debian base" --layer "$B/layer2.tar" --created-by "apt-get install" \
    --layer "$W/layer3.tar" --created-by "/bin/sh -c notify --token $SLACK" \
    --layer "$W/layer4.tar" --created-by "rm /root/.ssh/id_rsa" \
    --env "GITHUB_TOKEN=$GHTOK" >"$W/mkimage.log" 2>&1 || { cat "$W/mkimage.log" >&2; fail "mkimage"; }

for fmt in json table sarif junit html; do
    "$MOAT" scan --no-progress --no-vuln --base-image "$SAMPLE/base.tar" -f $fmt "$W/img.tar" \
        >"$W/out.$fmt" 2>"$W/err.$fmt" || { cat "$W/err.$fmt" >&2; fail "scan -f $fmt"; }
    # Env and history are echoed by the reports: with the secrets masked.
    for s in "$AKID" "$SKEY" "$GHTOK" "$SLACK" "$HASH" 123456 foobared MII; do
        ! grep -qF -- "$s" "$W/out.$fmt" "$W/err.$fmt" || fail "-f $fmt prints a whole secret (${s:0:4}...)"
    done
done
grep -q 'aws-access-key-id' "$W/out.sarif" || fail "SARIF lacks the AWS finding"
grep -q 'eicar-test-file' "$W/out.sarif" && grep -q '"sha256"' "$W/out.sarif" || fail "SARIF lacks the malware finding"
grep -q 'eicar-test-file' "$W/out.junit" && grep -q 'eicar-test-file' "$W/out.html" || fail "JUnit/HTML lack the malware finding"
grep -q 'moat.content' "$W/out.junit" || fail "JUnit lacks the content cases"
grep -q 'Content findings' "$W/out.html" || fail "HTML lacks the content section"
grep -q 'redis-weak-password' "$W/out.table" || fail "table lacks the Redis finding"

"$PY" - "$W/out.json" "$(sed -n 3p "$B/../../sample/diff_ids" 2>/dev/null || true)" <<'PYEOF' || fail "findings (above)"
import json, sys
d = json.load(open(sys.argv[1]))
layers = [l['diff_id'] for l in d['layers']]
fs = [f for f in d['findings'] if f['kind'] in ('secret', 'password', 'malware')]
want = {
    ('aws-access-key-id', 'etc/app/config.ini'), ('aws-secret-access-key', 'etc/app/config.ini'),
    ('private-key-rsa', 'root/.ssh/id_rsa'), ('password-weak', 'etc/shadow'),
    ('redis-weak-password', 'etc/redis/redis.conf'),
    ('eicar-test-file', 'srv/eicar.com'), ('miner-config', 'opt/miner/config.json'),
}
bad = []
for rid, path in sorted(want):
    m = [f for f in fs if f['id'] == rid and f.get('path') == path]
    if len(m) != 1:
        bad.append('%s %s: %d findings' % (rid, path, len(m))); continue
    f = m[0]
    if f['layer_index'] != 2 or f['layer'] != layers[2] or f['owner'] != 'app':
        bad.append('%s: layer %s owner %s' % (rid, f['layer_index'], f['owner']))
    if rid == 'private-key-rsa' and 'deleted' not in (f.get('note') or ''):
        bad.append('the deleted key has no whiteout note')
    print('found %-22s %-22s line %-3s layer %d owner %s match %s%s' % (rid, path, f.get('line'),
          f['layer_index'] + 1, f['owner'], f.get('match'), ' (' + f['note'] + ')' if f.get('note') else ''))
env = [f for f in fs if f['id'] == 'github-pat' and f.get('source') == 'config']
if any('ghp_R8x2Lq9Zt4Wm7Kc1Vb5Nd3Hf6Jg0Ps2Ya8Qe' in json.dumps(f) for f in fs):
    bad.append('a finding holds the whole GitHub token')
if len(env) != 1 or 'path' in env[0]:
    bad.append('config Env GitHub token: %r' % env)
hist = [f for f in fs if f['id'] == 'slack-token' and f.get('source') == 'history']
if len(hist) != 1 or hist[0]['layer_index'] != 2 or hist[0]['owner'] != 'app':
    bad.append('history Slack token: %r' % hist)
else:
    print('found slack-token in history created_by of layer 3, owner app, match %s' % hist[0]['match'])
base = [f for f in fs if f['layer_index'] in (0, 1)]
if base:
    bad.append('base/sample layers yield findings: %r' % base)
hi = [f for f in fs if f['severity'] in ('critical', 'high') and (f['id'], f.get('path')) not in want
      and f['id'] not in ('github-pat', 'slack-token')
      and (f['id'], f.get('path')) != ('miner-stratum-url', 'opt/miner/config.json')]
if hi:
    bad.append('unexpected high findings: %r' % hi)
print('%d content findings, %d on the Debian layers' % (len(fs), len(base)))
for b in bad:
    print('BAD', b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF

# Allow-list by fingerprint (--secret-config) and a user word list
# (--password-list): the AWS key id and the weak shadow password go away.
FP=$("$PY" -c "import json,sys; print([f['fingerprint'] for f in json.load(open(sys.argv[1]))['findings'] if f['id']=='aws-access-key-id'][0])" "$W/out.json")
printf 'allow:\n  - fingerprints: [%s]\n' "$FP" >"$W/allow.yaml"
printf 'hunter2\ntrustno1\n' >"$W/words.txt"
"$MOAT" scan --no-progress --no-vuln --scanners secret,password --secret-config "$W/allow.yaml" --password-list "$W/words.txt" \
    -f json "$W/img.tar" >"$W/allow.json" 2>"$W/allow.err" || { cat "$W/allow.err" >&2; fail "scan --secret-config"; }
"$PY" - "$W/allow.json" <<'PYEOF' || fail "--secret-config / --password-list (above)"
import json, sys
ids = [f['id'] for f in json.load(open(sys.argv[1]))['findings']]
bad = [i for i in ('aws-access-key-id', 'password-weak') if i in ids]
ok = [i for i in ('aws-secret-access-key', 'redis-weak-password') if i in ids]
print('with the allow-list and the user list: %s' % ', '.join(sorted(set(ids))))
sys.exit(1 if bad or len(ok) != 2 else 0)
PYEOF

# A policy's secrets.allow: by path glob, by rule id, by fingerprint.
SFP=$("$PY" -c "import json,sys; print([f['fingerprint'] for f in json.load(open(sys.argv[1]))['findings'] if f['id']=='aws-secret-access-key'][0])" "$W/out.json")
cat >"$W/policy.yaml" <<EOF
secrets:
  allow:
    - path: "root/.ssh/*"
      reason: test key
    - rules: [aws-access-key-id]
    - fingerprints: [$SFP]
      reason: rotated
EOF
"$MOAT" scan --no-progress --no-vuln --scanners secret --policy "$W/policy.yaml" -f json "$W/img.tar" \
    >"$W/policy.json" 2>"$W/policy.err" || { cat "$W/policy.err" >&2; fail "scan --policy secrets.allow"; }
"$PY" - "$W/policy.json" <<'PYEOF' || fail "policy secrets.allow (above)"
import json, sys
ids = {f['id'] for f in json.load(open(sys.argv[1]))['findings']}
gone = {'private-key-rsa', 'aws-access-key-id', 'aws-secret-access-key'}
print('with the policy allow-list: %s' % ', '.join(sorted(ids)))
sys.exit(1 if ids & gone or not {'github-pat', 'slack-token'} <= ids else 0)
PYEOF
printf 'secrets:\n  allow:\n    - {reason: nothing to match}\n' >"$W/badpolicy.yaml"
set +e
"$MOAT" scan --no-progress --scanners secret --policy "$W/badpolicy.yaml" "$W/img.tar" >/dev/null 2>"$W/badpolicy.err"; rc=$?
set -e
[ $rc = 2 ] && grep -q "secrets.allow\[0\]" "$W/badpolicy.err" || { cat "$W/badpolicy.err" >&2; fail "bad secrets.allow: exit $rc"; }

# --scanners: vuln alone = no content findings; unknown name = exit 2.
"$MOAT" scan --no-progress --no-vuln --scanners vuln -f json "$W/img.tar" >"$W/vuln.json" 2>/dev/null
"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(any(f['kind']!='vuln' for f in d['findings']))" "$W/vuln.json" \
    || fail "--scanners vuln reported content findings"
set +e
"$MOAT" scan --no-progress --scanners secret,bogus "$W/img.tar" >/dev/null 2>"$W/bogus.err"; rc=$?
set -e
[ $rc = 2 ] && grep -q "unknown scanner 'bogus'" "$W/bogus.err" || fail "--scanners bogus: exit $rc"
# --fail-on covers content findings: the planted critical secrets break it.
set +e
"$MOAT" scan --no-progress --scanners secret,password --fail-on critical "$W/img.tar" >/dev/null 2>"$W/gate.err"; rc=$?
set -e
[ $rc = 1 ] && grep -q "content findings break it:.*aws-access-key-id etc/app/config.ini" "$W/gate.err" || { cat "$W/gate.err" >&2; fail "--fail-on critical: exit $rc"; }
pass "every planted finding in layer 3 (app), none in the Debian layers, no secret printed in 5 formats"
