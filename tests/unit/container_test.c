/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_test.c - the Docker events stream (object splitter, event
 * parser, non-blocking reads) and containerd bundles (config.json
 * annotations, the bundle search).
 *
 * The streams are real: fuzz/corpus/docker-events/ holds the body (chunk
 * framing undone) captured from a Docker 20.10 engine's GET /events while a container was created,
 * renamed, paused, unpaused, restarted, exec'd into and removed, then a
 * labelled `docker run --rm`. The config.json files are real bundles from
 * `ctr run --annotation ...` and from dockerd's own containerd. The inspect
 * document is Docker 20.10's for `docker create --privileged --user nobody
 * -p 127.0.0.1:8080:80 -p 53:53/udp -p 9000-9001:9000-9001` (not started:
 * its bindings are only configured).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/file.h"
#include "harness.h"
#include "moat/error.h"
#include "runtime/docker.h"
#include "sensor/container.h"
#include "sensor/containerd.h"

#define DATA "tests/data/sensor/containerd/"
#define EVENTS "fuzz/corpus/docker-events/"

/* A reader over a file's bytes that says -EAGAIN before every read and
 * hands out at most `cut` bytes at a time, as a slow non-blocking socket. */
struct slow_src {
	const uint8_t *data;
	size_t len;
	size_t pos;
	size_t cut;
	bool again;
	unsigned eagains;
};

static ssize_t slow_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct slow_src *s = ctx;
	size_t n = s->len - s->pos;

	(void)err;
	if (!s->again && n > 0) {
		s->again = true;
		s->eagains++;
		return -EAGAIN;
	}
	s->again = false;
	if (n > s->cut)
		n = s->cut;
	if (n > len)
		n = len;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

struct seen {
	unsigned n;
	char actions[32][16];
	struct moat_docker_event rename;
	struct moat_docker_event first;
	int end;
	unsigned bad;
};

/* Drain a stream; every 0 means "nothing yet", so the caller tries again. */
static void drain(struct moat_docker_events *events, struct seen *seen)
{
	struct moat_docker_event ev;
	struct moat_error err = { 0 };

	memset(seen, 0, sizeof(*seen));
	for (unsigned calls = 0; calls < 1000000; calls++) {
		int r = moat_docker_events_next(events, &ev, &err);

		if (r < 0 && moat_docker_events_failed(events)) {
			seen->end = r;
			return;
		}
		if (r < 0)
			seen->bad++;
		if (r != 1)
			continue;
		if (seen->n == 0)
			seen->first = ev;
		if (!strcmp(ev.action, "rename"))
			seen->rename = ev;
		/* "exec_start: true " -> "exec_start" */
		snprintf(seen->actions[seen->n % 32], sizeof(seen->actions[0]), "%.*s",
			 (int)strcspn(ev.action, ":"), ev.action);
		seen->n++;
	}
}

static uint8_t *load(const char *path, size_t *ret_len)
{
	struct moat_buf buf;
	struct moat_error err = { 0 };

	moat_buf_init(&buf, 0);
	if (moat_read_file(path, 1u << 20, &buf, &err) < 0) {
		printf("# %s\n", err.msg);
		moat_buf_release(&buf);
		return NULL;
	}
	return moat_buf_steal(&buf, ret_len);
}

static void test_container__events_real_stream(void)
{
	static const char *const want =
		"create start rename pause unpause kill kill die stop start restart exec_create "
		"exec_start exec_die kill die destroy create attach start die destroy";
	static const size_t cuts[] = { 1, 2, 7, 100, 1u << 20 };
	size_t len = 0;
	uint8_t *data = load(EVENTS "engine-rename-restart", &len);

	CHECK(data != NULL && len > 1000);
	for (size_t i = 0; data && i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		/* byte 0 is the fuzz target's mode byte */
		struct slow_src src = { data + 1, len - 1, 0, cuts[i], false, 0 };
		struct moat_docker_events *events = NULL;
		struct seen seen;
		char got[600] = "";

		CHECK_INT(moat_docker_events_from_reader((struct moat_reader){ slow_read, &src, NULL },
							 &events, NULL), 0);
		if (!events)
			continue;
		drain(events, &seen);
		moat_docker_events_close(events);
		for (unsigned k = 0; k < seen.n && k < 32; k++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", k ? " " : "",
				 seen.actions[k]);
		printf("# cut %zu: %u events, %u would-blocks\n", cuts[i], seen.n, src.eagains);
		CHECK_INT(seen.n, 22);
		CHECK_INT(seen.bad, 0);
		CHECK_STR(got, want);
		/* the engine ended the body with its last chunk: the stream is over */
		CHECK_INT(seen.end, MOAT_E_TRUNCATED);
		CHECK_STR(seen.first.id,
			  "b89d499a99607ceaabb9d9ff06f16258f7f3270a0240ee5a8180fb75b69ab4eb");
		CHECK_STR(seen.first.name, "rtcap-a");
		CHECK_STR(seen.first.image, "moat-test/app:1");
		CHECK_INT(seen.first.time_ns, 1795464943484217662ll);
		CHECK_STR(seen.rename.name, "rtcap-b");
		CHECK_STR(seen.rename.old_name, "rtcap-a");
	}
	free(data);
}

struct split_row {
	const char *body;
	size_t max;
	unsigned events;         /* container events delivered */
	unsigned bad;            /* per-event errors */
	int end;                 /* sticky error at the end, 0 if none */
	const char *last_id;     /* id of the last event */
};

static const struct split_row split_rows[] = {
	/* two objects in one line, no separator; braces and quotes inside strings */
	{ "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"a1\",\"Attributes\":"
	  "{\"name\":\"x}{\\\"]\"}}}{\"Action\":\"die\",\"Actor\":{\"ID\":\"b2\"}}\n", 0, 2, 0, 0,
	  "b2" },
	/* other event types are skipped; the old status/id shape is read */
	{ "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"n1\"}}\r\n"
	  "{\"status\":\"destroy\",\"id\":\"c3\",\"time\":17}\n", 0, 1, 0, 0, "c3" },
	/* an ID that could name a path is refused, the stream goes on */
	{ "{\"Action\":\"start\",\"Actor\":{\"ID\":\"../x\"}}\n"
	  "{\"Action\":\"start\",\"Actor\":{\"ID\":\"d4\"}}", 0, 1, 1, 0, "d4" },
	/* an object over the cap is reported once and skipped to its end */
	{ "{\"Action\":\"start\",\"Actor\":{\"ID\":\"e5\",\"Attributes\":{\"pad\":"
	  "\"0123456789012345678901234567890123456789012345678901234567890123456789\"}}}\n"
	  "{\"Action\":\"start\",\"Actor\":{\"ID\":\"f6\"}}\n", 64, 1, 1, 0, "f6" },
	/* not JSON inside an object: one bad event */
	{ "{\"Action\":start}\n{\"Action\":\"kill\",\"Actor\":{\"ID\":\"g7\"}}", 0, 1, 1, 0,
	  "g7" },
	/* bytes outside any object: out of step for good */
	{ "{\"Action\":\"kill\",\"Actor\":{\"ID\":\"h8\"}}\nHTTP/1.1 200 OK\r\n"
	  "{\"Action\":\"kill\",\"Actor\":{\"ID\":\"i9\"}}", 0, 1, 0, MOAT_E_FORMAT, "h8" },
};

/* Every row, fed whole and then cut at every possible single point. */
static void run_split_row(const struct split_row *row, size_t cut, unsigned *ret_events,
			  unsigned *ret_bad, int *ret_end, char *last_id)
{
	const uint8_t *data = (const uint8_t *)row->body;
	size_t len = strlen(row->body);
	struct moat_docker_event_splitter sp;
	struct moat_docker_event ev;
	size_t parts[2][2] = { { 0, cut }, { cut, len } };

	*ret_events = *ret_bad = 0;
	*ret_end = 0;
	moat_docker_event_splitter_init(&sp, row->max);
	for (int p = 0; p < 2 && !*ret_end; p++) {
		size_t off = parts[p][0];

		while (off < parts[p][1] && !*ret_end) {
			size_t used = 0;
			int r = moat_docker_event_feed(&sp, data + off, parts[p][1] - off, &used, &ev,
						       NULL);

			off += used;
			if (r == 1) {
				(*ret_events)++;
				snprintf(last_id, 65, "%s", ev.id);
			} else if (r < 0 && sp.broken) {
				*ret_end = r;
			} else if (r < 0) {
				(*ret_bad)++;
			}
		}
	}
	moat_docker_event_splitter_release(&sp);
}

static void test_container__events_split_table(void)
{
	for (size_t i = 0; i < sizeof(split_rows) / sizeof(split_rows[0]); i++) {
		const struct split_row *row = &split_rows[i];
		size_t len = strlen(row->body);

		for (size_t cut = 0; cut <= len; cut++) {
			unsigned events;
			unsigned bad;
			int end;
			char last[65] = "";

			run_split_row(row, cut, &events, &bad, &end, last);
			if (events != row->events || bad != row->bad || end != row->end ||
			    strcmp(last, row->last_id) != 0) {
				printf("# row %zu cut at %zu: %u events, %u bad, end %d, last %s\n", i,
				       cut, events, bad, end, last);
				CHECK(0);
				break;
			}
		}
	}
}

static void test_container__containerd_config_real(void)
{
	static const char crio[] = "{\"annotations\":{\"io.kubernetes.pod.name\":\"p\","
				   "\"io.kubernetes.pod.namespace\":\"n\"}}";
	struct moat_containerd_meta meta;
	struct moat_error err = { 0 };
	size_t len = 0;
	uint8_t *data = load(DATA "ctr-cri-annotations.json", &len);

	CHECK(data != NULL);
	memset(&meta, 0x5a, sizeof(meta));
	CHECK_INT(moat_containerd_parse_config(data, len, &meta, &err), 0);
	CHECK_STR(meta.pod, "web-0");
	CHECK_STR(meta.k8s_ns, "shop");
	CHECK_STR(meta.name, "app");
	CHECK_STR(meta.image, "moat-test/app:1");
	free(data);

	/* dockerd's bundles carry no annotations: nothing made up */
	data = load(DATA "docker-moby.json", &len);
	CHECK(data != NULL);
	memset(&meta, 0x5a, sizeof(meta));
	CHECK_INT(moat_containerd_parse_config(data, len, &meta, &err), 0);
	CHECK_STR(meta.pod, "");
	CHECK_STR(meta.k8s_ns, "");
	CHECK_STR(meta.name, "");
	free(data);

	CHECK_INT(moat_containerd_parse_config((const uint8_t *)"{\"annotations\":[1]}", 19, &meta,
					       &err), MOAT_E_FORMAT);
	CHECK_INT(moat_containerd_parse_config((const uint8_t *)"[]", 2, &meta, &err),
		  MOAT_E_FORMAT);
	/* CRI-O's annotation names when the CRI plugin's are absent */
	CHECK_INT(moat_containerd_parse_config((const uint8_t *)crio, strlen(crio), &meta, &err), 0);
	CHECK_STR(meta.pod, "p");
	CHECK_STR(meta.k8s_ns, "n");
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int r;

	if (!f)
		return -1;
	r = fwrite(data, 1, len, f) == len ? 0 : -1;
	return fclose(f) == 0 ? r : -1;
}

/* A state root laid out as containerd's: <root>/<ns>/<id>/{config.json,init.pid}. */
static void test_container__containerd_describe(void)
{
	static const char id[] = "01b94aa42e49b13cc47b2efd3e80670d86406bb204c3816831694150acb2ee28";
	char root[] = "/tmp/moat-containerd-XXXXXX";
	char path[512];
	const char *roots[2] = { root, NULL };
	struct moat_containerd_meta meta;
	struct moat_error err = { 0 };
	struct stat st;
	size_t len = 0;
	uint8_t *data = load(DATA "ctr-cri-annotations.json", &len);
	char *big;

	CHECK(mkdtemp(root) != NULL && data != NULL);
	snprintf(path, sizeof(path), "%s/k8s.io", root);
	CHECK_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/k8s.io/%s", root, id);
	CHECK_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/k8s.io/%s/config.json", root, id);
	CHECK_INT(write_file(path, data, len), 0);
	snprintf(path, sizeof(path), "%s/k8s.io/%s/init.pid", root, id);
	CHECK_INT(write_file(path, "4242", 4), 0);
	CHECK_INT(stat(path, &st), 0);

	CHECK_INT(moat_containerd_describe(roots, id, &meta, &err), 0);
	CHECK_STR(meta.pod, "web-0");
	CHECK_STR(meta.k8s_ns, "shop");
	CHECK_STR(meta.ns, "k8s.io");
	CHECK_INT(meta.init_pid, 4242);
	CHECK_INT(meta.start_sec, st.st_mtime);

	CHECK_INT(moat_containerd_describe(roots, "0123abcd", &meta, &err), MOAT_E_NOTFOUND);
	CHECK_INT(moat_containerd_describe(roots, "../k8s.io", &meta, &err), MOAT_E_USAGE);
	CHECK_INT(moat_containerd_describe(roots, "a/b", &meta, &err), MOAT_E_USAGE);
	CHECK_INT(moat_containerd_describe(roots, ".hidden", &meta, &err), MOAT_E_USAGE);
	CHECK_INT(moat_containerd_describe(roots, "", &meta, &err), MOAT_E_USAGE);
	CHECK(!moat_containerd_valid_id(
		"0123456789012345678901234567890123456789012345678901234567890123456789012345x"));

	/* a config.json past the bound is refused, not read whole */
	big = malloc(MOAT_CONTAINERD_CONFIG_MAX + 2);
	CHECK(big != NULL);
	if (big) {
		memset(big, ' ', MOAT_CONTAINERD_CONFIG_MAX + 1);
		big[0] = '{';
		big[MOAT_CONTAINERD_CONFIG_MAX] = '}';
		snprintf(path, sizeof(path), "%s/k8s.io/%s/config.json", root, id);
		CHECK_INT(write_file(path, big, MOAT_CONTAINERD_CONFIG_MAX + 1), 0);
		CHECK_INT(moat_containerd_describe(roots, id, &meta, &err), MOAT_E_LIMIT);
		free(big);
	}
	snprintf(path, sizeof(path), "%s/k8s.io/%s/config.json", root, id);
	unlink(path);
	snprintf(path, sizeof(path), "%s/k8s.io/%s/init.pid", root, id);
	unlink(path);
	snprintf(path, sizeof(path), "%s/k8s.io/%s", root, id);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/k8s.io", root);
	rmdir(path);
	rmdir(root);
	free(data);
}

static void exposure_of(const char *text, struct moat_container *c)
{
	json_t *j = NULL;

	memset(c, 0x5a, sizeof(*c));
	CHECK(moat_json_parse(text, strlen(text), strlen(text) + 1, "inspect", &j, NULL) == 0);
	moat_container_exposure(c, j);
	json_decref(j);
}

static void test_container__exposure_real(void)
{
	struct moat_container c;
	size_t len = 0;
	uint8_t *data = load(DATA "../inspect-privileged.json", &len);
	unsigned seen = 0;

	CHECK(data != NULL);
	if (!data)
		return;
	exposure_of((const char *)data, &c);
	free(data);
	CHECK(c.privileged);
	CHECK_STR(c.user, "nobody");
	CHECK_INT(c.n_ports, 4);
	CHECK_INT(c.ports_dropped, 0);
	for (unsigned i = 0; i < c.n_ports && i < MOAT_CONTAINER_PORTS; i++) {
		const struct moat_container_port *p = &c.ports[i];

		if (p->port == 80 && p->host_port == 8080 && !strcmp(p->host_ip, "127.0.0.1") &&
		    !strcmp(p->proto, "tcp"))
			seen |= 1;
		if (p->port == 53 && p->host_port == 53 && !p->host_ip[0] && !strcmp(p->proto, "udp"))
			seen |= 2;
		if ((p->port == 9000 || p->port == 9001) && p->host_port == p->port)
			seen |= p->port == 9000 ? 4 : 8;
	}
	CHECK_INT(seen, 15);
}

/* What an engine should not say is left out, never half taken. */
static void test_container__exposure_hostile(void)
{
	struct moat_container c;
	char big[4096];
	size_t n;

	exposure_of("{\"HostConfig\":{\"Privileged\":\"yes\"},\"Config\":{\"User\":5},"
		    "\"NetworkSettings\":{\"Ports\":{\"99999/tcp\":[{\"HostPort\":\"1\"}],"
		    "\"x/tcp\":[{\"HostPort\":\"1\"}],\"80/tcp\":[{\"HostPort\":\"70000\"}],"
		    "\"81\":[{\"HostPort\":\"81\",\"HostIp\":7}],\"82/tcp\":null,"
		    "\"83/tcp\":[{\"HostPort\":\"\"}],\"84/tcp\":\"str\",\"/tcp\":[{\"HostPort\":\"2\"}],"
		    "\"85/tcp\":[{\"HostPort\":\"0085x\"}],\"86/tcp\":[7,null]}}}", &c);
	CHECK(!c.privileged);
	CHECK_STR(c.user, "");
	CHECK_INT(c.n_ports, 1);
	CHECK_INT(c.ports[0].port, 81);
	CHECK_INT(c.ports[0].host_port, 81);
	CHECK_STR(c.ports[0].proto, "tcp");
	CHECK_STR(c.ports[0].host_ip, "");
	/* bounded: 16 kept, the rest counted; a long protocol is cut */
	n = (size_t)snprintf(big, sizeof(big), "{\"HostConfig\":{\"PortBindings\":{\"80/"
			     "tcpxxxxxxxxxxxxxxxxxxx\":[");
	for (int i = 1; i <= 20; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s{\"HostPort\":\"%d\"}",
				      i > 1 ? "," : "", 1000 + i);
	snprintf(big + n, sizeof(big) - n, "]}}}");
	exposure_of(big, &c);
	CHECK_INT(c.n_ports, MOAT_CONTAINER_PORTS);
	CHECK_INT(c.ports_dropped, 20 - MOAT_CONTAINER_PORTS);
	CHECK_STR(c.ports[0].proto, "tcpxxxx");
	CHECK_INT(c.ports[15].host_port, 1016);
	/* a user cut at the bound is not cut inside a UTF-8 sequence */
	n = (size_t)snprintf(big, sizeof(big), "{\"Config\":{\"User\":\"");
	for (int i = 0; i < MOAT_CONTAINER_STR - 2; i++)
		big[n++] = 'u';
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\u00e9\"}}");
	exposure_of(big, &c);
	CHECK_INT(strlen(c.user), MOAT_CONTAINER_STR - 2);
	/* not an object at all */
	exposure_of("[1,2]", &c);
	CHECK(!c.privileged && !c.user[0] && !c.n_ports && !c.ports_dropped);
}

int main(void)
{
	MOAT_RUN(test_container__events_real_stream);
	MOAT_RUN(test_container__events_split_table);
	MOAT_RUN(test_container__containerd_config_real);
	MOAT_RUN(test_container__containerd_describe);
	MOAT_RUN(test_container__exposure_real);
	MOAT_RUN(test_container__exposure_hostile);
	return moat_test_done();
}
