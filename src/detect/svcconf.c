/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svcconf.c - default or weak credentials in service configurations:
 * Redis requirepass/masterauth, Tomcat tomcat-users.xml, MySQL/MariaDB
 * option files, PostgreSQL pg_hba.conf trust, vsftpd/proftpd anonymous
 * access, sshd PermitEmptyPasswords and PermitRootLogin.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "moat/error.h"
#include "password-int.h"

/* "key value" or "key = value" with '#' comments; key and value trimmed. */
static bool key_value(struct moat_slice line, struct moat_slice *key, struct moat_slice *val)
{
	size_t i = 0;

	line = moat_slice_trim(line);
	if (!line.len || line.ptr[0] == '#' || line.ptr[0] == ';')
		return false;
	while (i < line.len && !isspace(line.ptr[i]) && line.ptr[i] != '=')
		i++;
	*key = moat_slice_make(line.ptr, i);
	while (i < line.len && (isspace(line.ptr[i]) || line.ptr[i] == '='))
		i++;
	*val = moat_slice_trim(moat_slice_make(line.ptr + i, line.len - i));
	return key->len > 0;
}

static bool key_is(struct moat_slice k, const char *name)
{
	return k.len == strlen(name) && !strncasecmp((const char *)k.ptr, name, k.len);
}

static struct moat_slice unquote(struct moat_slice v)
{
	if (v.len >= 2 && (v.ptr[0] == '"' || v.ptr[0] == '\'') && v.ptr[v.len - 1] == v.ptr[0])
		return moat_slice_make(v.ptr + 1, v.len - 2);
	return v;
}

static int weak_value(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *f,
		      const char *id, const char *what, const char *user, struct moat_slice v,
		      unsigned line, struct moat_error *err)
{
	const char *why = pw_weak(s, v, user);
	char title[256];

	if (!why)
		return 0;
	snprintf(title, sizeof(title), "%s is weak (%s)", what, why);
	return pw_emit(s, d, f, id, "high", line, v, title, err);
}

static int scan_redis(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *f,
		      struct moat_error *err)
{
	struct moat_slice in = f->content, line, k, v;
	unsigned n = 0;
	int r = 0;

	while (r == 0 && moat_slice_line(&in, &line) && ++n <= PW_MAX_LINES) {
		if (!key_value(line, &k, &v))
			continue;
		if (key_is(k, "requirepass"))
			r = weak_value(s, d, f, "redis-weak-password", "Redis requirepass", NULL,
				       unquote(v), n, err);
		else if (key_is(k, "masterauth"))
			r = weak_value(s, d, f, "redis-weak-password", "Redis masterauth", NULL,
				       unquote(v), n, err);
		else if (key_is(k, "user") && memmem(v.ptr, v.len, " nopass", 7) &&
			 memmem(v.ptr, v.len, " on", 3))
			r = pw_emit(s, d, f, "redis-nopass-user", "high", n, moat_slice_make(NULL, 0),
				    "Redis ACL user enabled without a password (nopass)", err);
	}
	return r;
}

/* attr="value" inside one tag (no entities: tomcat-users values are plain). */
static struct moat_slice xml_attr(struct moat_slice tag, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl + 2 < tag.len; i++) {
		const uint8_t *p = tag.ptr + i;
		const uint8_t *end;
		uint8_t q;

		if ((i && !isspace(p[-1])) || memcmp(p, name, nl) != 0 || p[nl] != '=')
			continue;
		q = p[nl + 1];
		if (q != '"' && q != '\'')
			continue;
		end = memchr(p + nl + 2, q, tag.len - i - nl - 2);
		if (end)
			return moat_slice_make(p + nl + 2, (size_t)(end - (p + nl + 2)));
	}
	return moat_slice_make(NULL, 0);
}

static int scan_tomcat(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *f,
		       struct moat_error *err)
{
	struct moat_slice c = f->content;
	size_t i = 0;
	unsigned n = 0;
	int r = 0;

	while (r == 0 && i < c.len && n < PW_MAX_LINES) {
		const uint8_t *lt = memchr(c.ptr + i, '<', c.len - i);
		const uint8_t *end;
		struct moat_slice tag, user, pass;
		char uname[65];

		if (!lt)
			break;
		i = (size_t)(lt - c.ptr);
		if (c.len - i >= 4 && !memcmp(lt, "<!--", 4)) {
			end = memmem(lt + 4, c.len - i - 4, "-->", 3);
			i = end ? (size_t)(end - c.ptr) + 3 : c.len;
			continue;
		}
		end = memchr(lt, '>', c.len - i);
		if (!end)
			break;
		tag = moat_slice_make(lt, (size_t)(end - lt));
		i = (size_t)(end - c.ptr) + 1;
		n++;
		if (tag.len < 6 || memcmp(lt, "<user", 5) != 0 || !isspace(lt[5]))
			continue;
		user = xml_attr(tag, "username");
		if (!user.ptr)
			user = xml_attr(tag, "name");
		pass = xml_attr(tag, "password");
		if (!pass.ptr)
			continue;
		snprintf(uname, sizeof(uname), "%.*s", (int)(user.len < 64 ? user.len : 64),
			 user.ptr ? (const char *)user.ptr : "");
		r = weak_value(s, d, f, "tomcat-weak-password", "Tomcat user password", uname, pass,
			       moat_detect_line_of(c, (size_t)(lt - c.ptr)), err);
	}
	return r;
}

static int scan_mysql(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *f,
		      struct moat_error *err)
{
	struct moat_slice in = f->content, line, k, v;
	unsigned n = 0;
	bool client = false;
	int r = 0;

	while (r == 0 && moat_slice_line(&in, &line) && ++n <= PW_MAX_LINES) {
		struct moat_slice t = moat_slice_trim(line);

		if (t.len && t.ptr[0] == '[') {
			/* Sections client programs read; [mysqld] is the server's. */
			client = moat_slice_startswith(t, "[client]") ||
				 moat_slice_startswith(t, "[mysql]") ||
				 moat_slice_startswith(t, "[mysqladmin]") ||
				 moat_slice_startswith(t, "[mysqldump]") ||
				 moat_slice_startswith(t, "[client-mariadb]") ||
				 moat_slice_startswith(t, "[mariadb-client]");
			continue;
		}
		if (!key_value(line, &k, &v))
			continue;
		if (key_is(k, "skip-grant-tables") || key_is(k, "skip_grant_tables"))
			r = pw_emit(s, d, f, "mysql-skip-grant-tables", "critical", n,
				    moat_slice_make(NULL, 0),
				    "MySQL/MariaDB runs with skip-grant-tables: no authentication",
				    err);
		else if (client && key_is(k, "password"))
			r = weak_value(s, d, f, "mysql-weak-password", "MySQL/MariaDB client password",
				       NULL, unquote(v), n, err);
	}
	return r;
}

static int scan_pghba(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *f,
		      struct moat_error *err)
{
	struct moat_slice in = f->content, line;
	unsigned n = 0;
	int r = 0;

	while (r == 0 && moat_slice_line(&in, &line) && ++n <= PW_MAX_LINES) {
		struct moat_slice t = moat_slice_trim(line), w[6];
		size_t nw = 0;

		while (t.len && nw < 6 && t.ptr[0] != '#') {
			size_t i = 0;

			while (i < t.len && !isspace(t.ptr[i]))
				i++;
			w[nw++] = moat_slice_make(t.ptr, i);
			t = moat_slice_trim(moat_slice_make(t.ptr + i, t.len - i));
		}
		/* local DB USER METHOD | host* DB USER ADDRESS METHOD */
		if (nw >= 4 && moat_slice_eq_str(w[0], "local") && moat_slice_eq_str(w[3], "trust"))
			r = pw_emit(s, d, f, "postgres-trust-local", "medium", n, moat_slice_make(NULL, 0),
				    "PostgreSQL trusts local connections without a password", err);
		else if (nw >= 5 && moat_slice_startswith(w[0], "host") &&
			 moat_slice_eq_str(w[4], "trust"))
			r = pw_emit(s, d, f, "postgres-trust-host", "high", n, moat_slice_make(NULL, 0),
				    "PostgreSQL trusts network connections without a password", err);
	}
	return r;
}

static bool yes(struct moat_slice v)
{
	return key_is(v, "yes") || key_is(v, "true") || key_is(v, "on");
}

static int scan_vsftpd(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *f,
		       struct moat_error *err)
{
	struct moat_slice in = f->content, line, k, v;
	unsigned n = 0;
	int r = 0;

	while (r == 0 && moat_slice_line(&in, &line) && ++n <= PW_MAX_LINES) {
		if (!key_value(line, &k, &v) || !yes(v))
			continue;
		if (key_is(k, "anonymous_enable"))
			r = pw_emit(s, d, f, "ftp-anonymous", "medium", n, moat_slice_make(NULL, 0),
				    "vsftpd allows anonymous login", err);
		else if (key_is(k, "anon_upload_enable") || key_is(k, "anon_mkdir_write_enable"))
			r = pw_emit(s, d, f, "ftp-anonymous-write", "high", n, moat_slice_make(NULL, 0),
				    "vsftpd lets anonymous users write", err);
	}
	return r;
}

static int scan_proftpd(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *f,
			struct moat_error *err)
{
	struct moat_slice in = f->content, line;
	unsigned n = 0;
	int r = 0;

	while (r == 0 && moat_slice_line(&in, &line) && ++n <= PW_MAX_LINES) {
		struct moat_slice t = moat_slice_trim(line);

		if (t.len > 10 && !strncasecmp((const char *)t.ptr, "<Anonymous", 10))
			r = pw_emit(s, d, f, "ftp-anonymous", "medium", n, moat_slice_make(NULL, 0),
				    "proftpd allows anonymous login", err);
	}
	return r;
}

/* sshd takes the first value of each keyword, and Match blocks apply only
 * to some connections: read the global part. */
static int scan_sshd(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *f,
		     struct moat_error *err)
{
	struct moat_slice in = f->content, line, k, v;
	bool seen_empty = false, seen_root = false;
	unsigned n = 0;
	int r = 0;

	while (r == 0 && moat_slice_line(&in, &line) && ++n <= PW_MAX_LINES) {
		if (!key_value(line, &k, &v))
			continue;
		if (key_is(k, "Match"))
			break;
		if (key_is(k, "PermitEmptyPasswords") && !seen_empty) {
			seen_empty = true;
			if (yes(v))
				r = pw_emit(s, d, f, "sshd-permit-empty-passwords", "high", n,
					    moat_slice_make(NULL, 0),
					    "sshd accepts accounts with empty passwords", err);
		} else if (key_is(k, "PermitRootLogin") && !seen_root) {
			seen_root = true;
			if (yes(v))
				r = pw_emit(s, d, f, "sshd-permit-root-login", "medium", n,
					    moat_slice_make(NULL, 0),
					    "sshd lets root log in with a password", err);
		}
	}
	return r;
}

int pw_scan_service(struct pw_state *s, struct moat_detect *d, enum pw_kind kind,
		    const struct moat_detect_file *file, struct moat_error *err)
{
	switch (kind) {
	case PW_REDIS: return scan_redis(s, d, file, err);
	case PW_TOMCAT: return scan_tomcat(s, d, file, err);
	case PW_MYSQL: return scan_mysql(s, d, file, err);
	case PW_PGHBA: return scan_pghba(s, d, file, err);
	case PW_VSFTPD: return scan_vsftpd(s, d, file, err);
	case PW_PROFTPD: return scan_proftpd(s, d, file, err);
	case PW_SSHD: return scan_sshd(s, d, file, err);
	default: return 0;
	}
}
