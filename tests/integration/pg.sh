# A throw-away PostgreSQL server for a test; sourced after lib.sh, not run.
#
# start_postgres: Debian's PostgreSQL (initdb + pg_ctl) in a temp dir on
# 127.0.0.1 and a free port, password (SCRAM) authentication over TCP, a
# role and database `moat`. Sets PG_URL (postgresql://moat:PW@127.0.0.1:PORT/moat),
# PG_PORT, PG_DIR and pg_as (runs a command as the server's owner); stopped
# and removed on exit. Skips (77) when the PostgreSQL binaries are absent.
# Root cannot run postgres: as root the server runs as the `postgres` user.

pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
    done
    command -v pg_ctl >/dev/null && { dirname "$(command -v pg_ctl)"; return 0; }
    return 1
}

pg_as() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop_postgres() {
    [ -n "${PG_DIR:-}" ] || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=
}

# restart_postgres: a fast restart of the same server (connections dropped).
restart_postgres() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -l "$PG_DIR/log" restart >/dev/null ||
        { tail -20 "$PG_DIR/log" >&2; fail "postgres did not restart"; }
}

start_postgres() {
    local t0 pw
    t0=$(date +%s%N)
    PG_BIN=$(pg_bin) || skip "no PostgreSQL binaries (apt-get install postgresql)"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || skip "no postgres user to run the server as"
    fi
    PG_DIR=$(mktemp -d /tmp/moat-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
    local prev
    prev=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT$/\1/")
    # shellcheck disable=SC2064
    trap "stop_postgres; $prev" EXIT
    pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    echo "$pw" >"$PG_DIR/pw"
    chmod 644 "$PG_DIR/pw"
    pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" --username=postgres --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
        { tail -20 "$PG_DIR/initdb.log" >&2; fail "initdb failed"; }
    PG_PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # fsync off by default: a test server, thrown away (PG_FSYNC=on for figures)
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=${PG_FSYNC:-off}" start >/dev/null ||
        { tail -20 "$PG_DIR/log" >&2; fail "postgres did not start on 127.0.0.1:$PG_PORT"; }
    pg_as psql -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres \
        -c "CREATE ROLE moat LOGIN PASSWORD '$pw'" -c "CREATE DATABASE moat OWNER moat" ||
        fail "could not create the moat role and database"
    PG_URL="postgresql://moat:$pw@127.0.0.1:$PG_PORT/moat"
    PG_PW=$pw
    note "postgres $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}

# pg_psql SQL...: run statements as the superuser on the moat database.
pg_psql() {
    pg_as psql -qAt -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres -d moat "$@"
}
