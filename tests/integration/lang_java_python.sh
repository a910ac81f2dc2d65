#!/bin/bash
# Java and Python catalogers on real artefacts. Layer 0 holds Debian's
# /usr/share/java jars and /usr/lib/python3/dist-packages; layer 1 holds a war
# and an ear built with the JDK's `jar` tool around real jars (nested 2 deep),
# and lock files written by the real tools: poetry.lock (Debian's poetry),
# Pipfile.lock and a hashed requirements file (Debian's pipenv), and
# requirements.txt (pip freeze). Both tools resolve offline from the wheels
# in /usr/share/python-wheels; their package index is a closed loopback port.
# uv is not packaged in Debian 12, so uv.lock is covered by the TOML fuzz
# seeds only.
#
# Expected lists come from outside moat: importlib.metadata over the
# dist-packages tree, `unzip -p` of every META-INF/maven/**/pom.properties,
# and the lock files as json/tomllib read them. Every expected package must
# appear with its version, layer, file and evidence, in a dir: scan of the
# merged tree and in a 2-layer docker-archive.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
command -v jar >/dev/null || skip "no jar tool (openjdk)"
[ -f /usr/share/java/commons-lang3.jar ] || skip "Debian Java packages missing: run scripts/setup"
[ -x /usr/bin/poetry ] && [ -x /usr/bin/pipenv ] || skip "poetry/pipenv missing: run scripts/setup"

L1=$W/l1 L2=$W/l2
mkdir -p "$L1/usr/share" "$L1/usr/lib/python3" "$L2/opt/app" "$L2/srv/py"
cp -a /usr/share/java "$L1/usr/share/"
cp -a /usr/lib/python3/dist-packages "$L1/usr/lib/python3/"

# war (WEB-INF/lib) and ear (lib/ + the war): nested archives from real jars
mkdir -p "$W/war/WEB-INF/lib" "$W/ear/lib"
cp -L /usr/share/java/commons-lang3.jar /usr/share/java/jackson-core.jar "$W/war/WEB-INF/lib/"
jar cf "$L2/opt/app/shop.war" -C "$W/war" .
cp -L /usr/share/java/guava.jar "$W/ear/lib/"
cp "$L2/opt/app/shop.war" "$W/ear/"
jar cf "$L2/opt/app/shop.ear" -C "$W/ear" .

# lock files from the real tools, offline
wheels=/usr/share/python-wheels
pipw=$(ls $wheels/pip-*.whl) stw=$(ls $wheels/setuptools-*.whl)
mkdir -p "$W/poetry" "$W/pipenv"
cat >"$W/poetry/pyproject.toml" <<EOF
[tool.poetry]
name = "moat-sample"
version = "0.1.0"
description = ""
authors = ["moat <moat@example.invalid>"]

[tool.poetry.dependencies]
python = "^3.11"
pip = {path = "$pipw"}
setuptools = {path = "$stw"}
EOF
cat >"$W/pipenv/Pipfile" <<EOF
[[source]]
url = "http://127.0.0.1:9/simple"
verify_ssl = false
name = "local"

[packages]
pip = {file = "$pipw"}
setuptools = {file = "$stw"}

[requires]
python_version = "$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
EOF
export POETRY_VIRTUALENVS_PATH=$W/venvs PIPENV_VENV_IN_PROJECT=1 PIPENV_NOSPIN=1 \
    PIPENV_PYTHON=/usr/bin/python3 PIPENV_YES=1 PATH=/usr/bin:/bin:$PATH \
    VIRTUALENV_NO_DOWNLOAD=1 VIRTUALENV_NO_PERIODIC_UPDATE=1 VIRTUALENV_NO_PIP=1 \
    VIRTUALENV_NO_SETUPTOOLS=1 VIRTUALENV_NO_WHEEL=1 PIP_NO_INDEX=1
(cd "$W/poetry" && timeout 300 poetry lock --no-update) >"$W/poetry.log" 2>&1 ||
    { tail "$W/poetry.log" >&2; fail "poetry lock failed"; }
(cd "$W/pipenv" && timeout 300 pipenv lock && pipenv requirements --hash >requirements-locked.txt) \
    >"$W/pipenv.log" 2>&1 || { tail "$W/pipenv.log" >&2; fail "pipenv lock failed"; }
cp "$W/poetry/poetry.lock" "$W/pipenv/Pipfile.lock" "$W/pipenv/requirements-locked.txt" "$L2/srv/py/"
$PY -m pip freeze --path "$L1/usr/lib/python3/dist-packages" >"$L2/srv/py/requirements.txt" 2>/dev/null ||
    fail "pip freeze failed"

$PY "$TOOLS/mklayer.py" --root "$L1" -o "$W/layer1.tar"
$PY "$TOOLS/mklayer.py" --root "$L2" -o "$W/layer2.tar"
$PY "$TOOLS/mkimage.py" --format docker-archive -o "$W/image.tar" --ref moat-test/jvm-py:1 \
    --layer "$W/layer1.tar" --created-by "apt-get install java python libraries" \
    --layer "$W/layer2.tar" --created-by "COPY app /opt/app"
mkdir -p "$W/merged"
cp -a "$L1/." "$W/merged/"
cp -a "$L2/." "$W/merged/"

$PY "$TOOLS/jvmpy-expect.py" "$L1" "$L2" >"$W/expected.json" || fail "could not build the expected list"

for t in "dir:$W/merged" "docker-archive:$W/image.tar"; do
    name=$(echo "$t" | cut -d: -f1)
    start=$(date +%s%N)
    run_moat "$name" scan --format json "$t"
    [ "$RC" = 0 ] || { moat_err "$name"; fail "moat scan $t: $(describe_rc "$RC")"; }
    note "$t: scanned in $((($(date +%s%N) - start) / 1000000)) ms"
    $PY "$TOOLS/jvmpy-expect.py" --check "$W/expected.json" "$W/$name.out" \
        $([ "$name" = dir ] && echo --no-layers) ||
        fail "moat scan $t: wrong result (output in $W/$name.out)"
done
pass "$(grep -c '"name"' "$W/expected.json") expected Java/Python packages found in a dir and a 2-layer image"
