#!/bin/bash
# Image misconfiguration (moat config --image): the Debian sample base plus
# an application layer built here with a setuid binary, a world-writable
# file, apt lists left behind, sudo and openssh-server in the dpkg status,
# and a config with no USER, EXPOSE 22, a password in Env, a GitHub token as
# a build arg and `curl | sh` in its history. Each must be reported with its
# source, path and layer; the base image alone gives only what is true of
# it (runs as root, no healthcheck).
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
   "created_by": "RUN |1 GITHUB_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB /bin/sh -c curl -fsSL https://get.example.com/install.sh | sh && chmod u+s /usr/local/bin/suidtool # buildkit"}
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
pass "app image: 11 planted findings with source, path and layer; base image: runs as root + no healthcheck only"
