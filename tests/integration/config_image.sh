#!/bin/bash
# Image misconfiguration (moat config --image): the Debian sample base plus
# an application layer built here with a setuid binary, a world-writable
# file, apt lists left behind, sudo and openssh-server in the dpkg status,
# and a config with no USER, EXPOSE 22, a password in Env, a GitHub token as
# a build arg and `curl | sh` in its history. Each must be reported with its
# source, path and layer; the base image alone gives only what is true of
# it (runs as root, no healthcheck). The same checks run as the misconfig
# content scanner of `moat scan --scanners misconfig` (moat.scan/v1 findings
# of kind misconfig, with owner), in every report format.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
sample_image

# The base layer, as the sample's base image holds it.
layer=$(tar -xOf "$SAMPLE/base.tar" manifest.json | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["Layers"][0])')
tar -xOf "$SAMPLE/base.tar" "$layer" >"$W/base-layer.tar"

app=$W/app
mkdir -p "$app/usr/local/bin" "$app/srv/shared" "$app/var/lib/apt/lists" "$app/var/lib/dpkg"
printf '#!/bin/sh\nexec id\n' >"$app/usr/local/bin/suidtool"
chmod 4755 "$app/usr/local/bin/suidtool"
echo "shared scratch" >"$app/srv/shared/data.txt"
chmod 0666 "$app/srv/shared/data.txt"
echo "Package: curl" >"$app/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
{
    cat "$SAMPLE/app-root/var/lib/dpkg/status"
    for p in sudo:1.9.13p3-1+deb12u1 openssh-server:1:9.2p1-2+deb12u3; do
        printf '\nPackage: %s\nStatus: install ok installed\nPriority: optional\nSection: admin\nArchitecture: amd64\nVersion: %s\nDescription: planted by config_image.sh\n' "${p%%:*}" "${p#*:}"
    done
} >"$app/var/lib/dpkg/status"
$PY "$TOOLS/mklayer.py" --root "$app" -o "$W/app-layer.tar"

cat >"$W/spec.json" <<'JSON'
{"ref": "dockerfile-test/app:1",
 "config": {"Env": ["PATH=/usr/bin:/bin", "DB_PASSWORD=hunter2hunter2"],
            "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}}, "Cmd": ["/bin/sh"]},
 "history": [
  {"layer": "base-layer.tar", "created_by": "/bin/sh -c #(nop) ADD file:0123abcd in / "},
  {"created_by": "/bin/sh -c #(nop)  EXPOSE 22/tcp", "empty_layer": true},
  {"created_by": "ENV DB_PASSWORD=hunter2hunter2", "empty_layer": true},
  {"layer": "app-layer.tar",
   "created_by": "RUN |1 GITHUB_TOKEN=ghp_R8x2Lq9Zt4Wm7Kc1Vb5Nd3Hf6Jg0Ps2Ya8Qe /bin/sh -c curl -fsSL https://get.example.com/install.sh | sh && chmod u+s /usr/local/bin/suidtool # buildkit"}
 ]}
JSON
$PY "$TOOLS/mkimage.py" --format docker-archive -o "$W/app.tar" --spec "$W/spec.json"

run_moat app config --format json --image "docker-archive:$W/app.tar"
[ "$RC" = 0 ] || { moat_err app; fail "moat config --image app.tar: $(describe_rc "$RC"), want exit 0"; }
run_moat base config --format json --image "docker-archive:$SAMPLE/base.tar"
[ "$RC" = 0 ] || { moat_err base; fail "moat config --image base.tar: $(describe_rc "$RC"), want exit 0"; }

$PY - "$W/app.out" "$W/base.out" <<'PYEOF' || fail "wrong findings (above)"
import json, sys
# (id, source, path, layer_index): layer 1 is the application layer
want_app = {
    ("MOAT-IMG-001", "config", None, None),
    ("MOAT-IMG-002", "config", None, None),
    ("MOAT-IMG-003", "config", None, None),
    ("MOAT-IMG-004", "config", None, None),
    ("MOAT-IMG-010", "file", "usr/local/bin/suidtool", 1),
    ("MOAT-IMG-011", "file", "srv/shared/data.txt", 1),
    ("MOAT-IMG-012", "file", "var/lib/apt/lists", 1),
    ("MOAT-IMG-013", "package", "var/lib/dpkg/status", 1),
    ("MOAT-IMG-014", "package", "var/lib/dpkg/status", 1),
    ("MOAT-DF-042", "history", None, 1),
    ("MOAT-DF-052", "history", None, 1),
}
want_base = {("MOAT-IMG-001", "config", None, None), ("MOAT-IMG-003", "config", None, None)}
ok = True
for name, path, want in (("app", sys.argv[1], want_app), ("base", sys.argv[2], want_base)):
    doc = json.load(open(path))
    assert doc["schema"] == "moat.config/v1"
    got = {(f["id"], f.get("source"), f.get("path"), f.get("layer_index")) for f in doc["findings"]}
    for f in doc["findings"]:
        if f.get("layer_index") is not None and not f.get("layer", "").startswith("sha256:"):
            print("%s: %s has no layer diff_id" % (name, f["id"])); ok = False
        print("  %s %-13s %-8s %-24s layer %s: %s" % (name, f["id"], f.get("source"),
              f.get("path") or "-", f.get("layer_index", "-"), f["message"]))
    for m in sorted(want - got, key=str):
        print("%s: MISSING %s" % (name, m)); ok = False
    for e in sorted(got - want, key=str):
        print("%s: UNEXPECTED %s" % (name, e)); ok = False
    print("%s: %d findings, %d expected, %d missing, %d unexpected" % (
        name, len(got), len(want), len(want - got), len(got - want)))
sys.exit(0 if ok else 1)
PYEOF
# moat scan --scanners misconfig: the same findings as moat.scan/v1 content
# findings, owners from --base-image; the base alone: root + no healthcheck.
for fmt in json table sarif junit html; do
    run_moat "scan-$fmt" scan --no-progress --scanners misconfig --base-image "$SAMPLE/base.tar" \
        -f "$fmt" "docker-archive:$W/app.tar"
    [ "$RC" = 0 ] || { moat_err "scan-$fmt"; fail "moat scan --scanners misconfig -f $fmt: $(describe_rc "$RC")"; }
    for id in MOAT-IMG-001 MOAT-IMG-010 MOAT-IMG-013 MOAT-DF-042; do
        grep -q "$id" "$W/scan-$fmt.out" || fail "scan -f $fmt does not show $id"
    done
done
grep -q 'usr/local/bin/suidtool is setuid' "$W/scan-table.out" || fail "table lacks the setuid message"
run_moat scanbase scan --no-progress --scanners misconfig -f json "docker-archive:$SAMPLE/base.tar"
[ "$RC" = 0 ] || { moat_err scanbase; fail "moat scan --scanners misconfig base.tar: $(describe_rc "$RC")"; }
run_moat scandir scan --no-progress --scanners misconfig -f json "dir:$app"
[ "$RC" = 0 ] || { moat_err scandir; fail "moat scan --scanners misconfig dir:: $(describe_rc "$RC")"; }
run_moat scanvuln scan --no-progress --scanners vuln --no-vuln -f json "docker-archive:$W/app.tar"
[ "$RC" = 0 ] || { moat_err scanvuln; fail "moat scan --scanners vuln: $(describe_rc "$RC")"; }
run_moat scandef scan --no-progress --no-vuln -f json "docker-archive:$W/app.tar"
[ "$RC" = 0 ] || { moat_err scandef; fail "moat scan (default scanners): $(describe_rc "$RC")"; }

$PY - "$W/scan-json.out" "$W/scanbase.out" "$W/scanvuln.out" "$W/scandef.out" "$W/scandir.out" <<'PYEOF' || fail "wrong scan findings (above)"
import json, sys
# (id, source, field, path, layer_index, line, owner): layer 1 is the application layer
want_app = {
    ("MOAT-IMG-001", "config", "User", None, None, None, "unknown"),
    ("MOAT-IMG-002", "config", "ExposedPorts", None, None, None, "unknown"),
    ("MOAT-IMG-003", "config", "Healthcheck", None, None, None, "unknown"),
    ("MOAT-IMG-004", "config", "Env", None, None, None, "unknown"),
    ("MOAT-IMG-010", None, None, "usr/local/bin/suidtool", 1, None, "app"),
    ("MOAT-IMG-011", None, None, "srv/shared/data.txt", 1, None, "app"),
    ("MOAT-IMG-012", None, None, "var/lib/apt/lists", 1, None, "app"),
    ("MOAT-IMG-013", None, None, "var/lib/dpkg/status", 1, None, "app"),
    ("MOAT-IMG-014", None, None, "var/lib/dpkg/status", 1, None, "app"),
    ("MOAT-DF-042", "history", "created_by", None, 1, 4, "app"),
    ("MOAT-DF-052", "history", "created_by", None, 1, 4, "app"),
}
want_base = {("MOAT-IMG-001", "config", "User", None, None, None, "unknown"),
             ("MOAT-IMG-003", "config", "Healthcheck", None, None, None, "unknown")}
refs = {"MOAT-IMG-001": "cis-docker:4.1", "MOAT-IMG-013": "cis-docker:4.3", "MOAT-DF-052": "cis-docker:4.10"}
ok = True
for name, path, want in (("scan app", sys.argv[1], want_app), ("scan base", sys.argv[2], want_base)):
    doc = json.load(open(path))
    assert doc["schema"] == "moat.scan/v1", doc["schema"]
    fs = [f for f in doc["findings"] if f["kind"] == "misconfig"]
    if len(fs) != len(doc["findings"]):
        print("%s: non-misconfig findings with --scanners misconfig" % name); ok = False
    got = {(f["id"], f.get("source"), f.get("field"), f.get("path"), f.get("layer_index"),
            f.get("line"), f["owner"]) for f in fs}
    for f in fs:
        if f.get("layer_index") is not None and f.get("layer") != doc["layers"][f["layer_index"]]["diff_id"]:
            print("%s: %s layer %r is not layer %d's diff_id" % (name, f["id"], f.get("layer"), f["layer_index"])); ok = False
        if not f.get("message") or not f.get("title") or f["severity"] not in ("low", "medium", "high", "critical"):
            print("%s: %s lacks message/title/severity" % (name, f["id"])); ok = False
        if f["id"] in refs and refs[f["id"]] not in f.get("references", []):
            print("%s: %s references %r, want %s" % (name, f["id"], f.get("references"), refs[f["id"]])); ok = False
        if "note" in f:
            print("%s: %s has a whiteout note %r" % (name, f["id"], f["note"])); ok = False
        print("  %s %-13s %-8s %-24s layer %s owner %-7s: %s %s" % (name, f["id"], f.get("source") or "-",
              f.get("path") or f.get("field"), f.get("layer_index", "-"), f["owner"], f["message"],
              f.get("references", [])))
    for m in sorted(want - got, key=str):
        print("%s: MISSING %s" % (name, m)); ok = False
    for e in sorted(got - want, key=str):
        print("%s: UNEXPECTED %s" % (name, e)); ok = False
    print("%s: %d misconfig findings, %d expected" % (name, len(got), len(want)))
vuln = [f for f in json.load(open(sys.argv[3]))["findings"] if f["kind"] != "vuln"]
if vuln:
    print("--scanners vuln: %d content findings" % len(vuln)); ok = False
dflt = {f["id"] for f in json.load(open(sys.argv[4]))["findings"] if f["kind"] == "misconfig"}
if {w[0] for w in want_app} - dflt:
    print("default scanners miss misconfig %s" % sorted({w[0] for w in want_app} - dflt)); ok = False
print("--scanners vuln: %d content findings; default scanners: %d misconfig ids" % (len(vuln), len(dflt)))
# dir: has no config (no root/healthcheck claims) and one layer (the base
# boundary unknown: the bottom layer counts as base, so no setuid finding).
got = {(f["id"], f.get("path"), f["layer_index"]) for f in json.load(open(sys.argv[5]))["findings"]}
want_dir = {("MOAT-IMG-011", "srv/shared/data.txt", 0), ("MOAT-IMG-012", "var/lib/apt/lists", 0),
            ("MOAT-IMG-013", "var/lib/dpkg/status", 0), ("MOAT-IMG-014", "var/lib/dpkg/status", 0)}
if got != want_dir:
    print("dir: got %s, want %s" % (sorted(got), sorted(want_dir))); ok = False
print("dir: %d misconfig findings: %s" % (len(got), ", ".join(sorted(g[0] for g in got))))
sys.exit(0 if ok else 1)
PYEOF
pass "config --image and scan --scanners misconfig: 11 planted findings with source, path, layer, owner (5 formats); base image: runs as root + no healthcheck only; dir: no config findings; --scanners vuln: none"
