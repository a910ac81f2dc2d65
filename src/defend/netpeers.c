/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netpeers.c - running containers with their addresses and cgroups, from
 * GET /containers/json (one call per refresh) and one inspect per new
 * container.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/json.h"
#include "moat/error.h"
#include "netfw-kernel.h"
#include "netpeers.h"
#include "runtime/docker.h"

#define PEERS_MAX 4096u

struct moat_peers {
	char *sock;
	struct moat_docker *docker;
	struct moat_peer *v;
	size_t n, cap;
};

bool moat_peer_addr_parse(const char *text, uint8_t out[16])
{
	struct in_addr a4;

	memset(out, 0, 16);
	if (!text || !text[0])
		return false;
	if (inet_pton(AF_INET, text, &a4) == 1) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return true;
	}
	return inet_pton(AF_INET6, text, out) == 1;
}

int moat_peers_open(const char *docker_sock, struct moat_peers **ret, struct moat_error *err)
{
	struct moat_peers *p = calloc(1, sizeof(*p));

	if (!p || (docker_sock && !(p->sock = strdup(docker_sock)))) {
		free(p);
		return moat_error_set(err, -ENOMEM, "netpeers: out of memory");
	}
	*ret = p;
	return 0;
}

void moat_peers_close(struct moat_peers *p)
{
	if (!p)
		return;
	moat_docker_close(p->docker);
	free(p->v);
	free(p->sock);
	free(p);
}

size_t moat_peers_count(const struct moat_peers *p)
{
	return p->n;
}

const struct moat_peer *moat_peers_get(const struct moat_peers *p, size_t i)
{
	return i < p->n ? &p->v[i] : NULL;
}

const struct moat_peer *moat_peers_by_addr(const struct moat_peers *p, const uint8_t addr[16])
{
	for (size_t i = 0; i < p->n; i++)
		for (size_t a = 0; a < p->v[i].n_addr; a++)
			if (!memcmp(p->v[i].addr[a], addr, 16))
				return &p->v[i];
	return NULL;
}

const struct moat_peer *moat_peers_by_cgroup(const struct moat_peers *p, uint64_t cg)
{
	for (size_t i = 0; cg && i < p->n; i++)
		if (p->v[i].cgroup_id == cg)
			return &p->v[i];
	return NULL;
}

bool moat_peers_is_host(const struct moat_peers *p, const uint8_t addr[16])
{
	for (size_t i = 0; i < p->n; i++)
		for (size_t a = 0; a < p->v[i].n_gw; a++)
			if (!memcmp(p->v[i].gw[a], addr, 16))
				return true;
	return false;
}

/* The "0::/path" line of /proc/PID/cgroup -> <v2 mount>/path and its id
 * (a cgroup's id is its directory's inode number). */
static void find_cgroup(struct moat_peer *pe)
{
	const char *root = moat_nfk_cgroup2_root();
	char path[64];
	char text[4096];
	char *line;
	char *save = NULL;
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pe->pid);
	n = moat_read_small_file(path, text, sizeof(text));
	if (!root || n <= 0)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::/", 4) != 0 || strstr(line, ".."))
			continue;
		snprintf(pe->cgroup_path, sizeof(pe->cgroup_path), "%s%s", root, line + 3);
		if (stat(pe->cgroup_path, &st) == 0 && S_ISDIR(st.st_mode))
			pe->cgroup_id = st.st_ino;
		return;
	}
}

static void inspect(struct moat_peers *p, struct moat_peer *pe)
{
	struct moat_error err = { 0 };
	json_t *info = NULL;

	if (moat_docker_container_inspect(p->docker, pe->id, &info, &err) < 0)
		return;
	pe->pid = (int)moat_json_int(json_object_get(info, "State"), "Pid", 0);
	json_decref(info);
	if (pe->pid > 0)
		find_cgroup(pe);
}

static const char *str_or(const char *s)
{
	return s ? s : "";
}

static void fill(struct moat_peer *pe, json_t *c)
{
	const json_t *names = json_object_get(c, "Names");
	const char *name = json_string_value(json_array_get(names, 0));
	json_t *nets = json_object_get(json_object_get(c, "NetworkSettings"), "Networks");
	const char *k;
	json_t *net;

	snprintf(pe->name, sizeof(pe->name), "%s", name ? name + (name[0] == '/') : "");
	snprintf(pe->image, sizeof(pe->image), "%s", str_or(moat_json_str(c, "Image")));
	snprintf(pe->image_id, sizeof(pe->image_id), "%s", str_or(moat_json_str(c, "ImageID")));
	moat_container_labels_pack(json_object_get(c, "Labels"), pe->labels, sizeof(pe->labels));
	snprintf(pe->k8s_ns, sizeof(pe->k8s_ns), "%s", str_or(moat_json_str(json_object_get(c,
		 "Labels"), "io.kubernetes.pod.namespace")));
	pe->n_addr = pe->n_gw = 0;
	json_object_foreach(nets, k, net) {
		const char *fields[] = { "IPAddress", "GlobalIPv6Address" };

		(void)k;
		for (size_t f = 0; f < 2 && pe->n_addr < MOAT_PEER_ADDRS; f++)
			if (moat_peer_addr_parse(moat_json_str(net, fields[f]), pe->addr[pe->n_addr]))
				pe->n_addr++;
		if (pe->n_gw < MOAT_PEER_ADDRS &&
		    moat_peer_addr_parse(moat_json_str(net, "Gateway"), pe->gw[pe->n_gw]))
			pe->n_gw++;
	}
}

/* Anything the firewall's maps depend on. */
static bool same_peer(const struct moat_peer *a, const struct moat_peer *b)
{
	return a->cgroup_id == b->cgroup_id && a->n_addr == b->n_addr && a->n_gw == b->n_gw &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 &&
	       memcmp(a->gw, b->gw, sizeof(a->gw)) == 0 && strcmp(a->image_id, b->image_id) == 0 &&
	       strcmp(a->image, b->image) == 0 && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->labels, b->labels) == 0;
}

static struct moat_peer *find_or_add(struct moat_peers *p, const char *id, bool *added)
{
	*added = false;
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].id, id))
			return &p->v[i];
	if (p->n == PEERS_MAX)
		return NULL;
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		struct moat_peer *v = realloc(p->v, nc * sizeof(*v));

		if (!v)
			return NULL;
		p->v = v;
		p->cap = nc;
	}
	memset(&p->v[p->n], 0, sizeof(p->v[p->n]));
	snprintf(p->v[p->n].id, sizeof(p->v[p->n].id), "%s", id);
	*added = true;
	return &p->v[p->n++];
}

int moat_peers_refresh(struct moat_peers *p, bool *changed, struct moat_error *err)
{
	json_t *list = NULL;
	size_t i, kept = 0;
	json_t *c;
	int r;

	*changed = false;
	if (!p->docker && (r = moat_docker_open(p->sock, &p->docker, err)) < 0)
		return r;
	r = moat_docker_container_list(p->docker, &list, err);
	if (r < 0) {
		moat_docker_close(p->docker);   /* the engine may come back: reconnect next time */
		p->docker = NULL;
		return r;
	}
	for (i = 0; i < p->n; i++)
		p->v[i].mark = false;
	json_array_foreach(list, i, c) {
		const char *id = moat_json_str(c, "Id");
		struct moat_peer before;
		struct moat_peer *pe;
		bool added;

		if (!id || strlen(id) != 64 || !(pe = find_or_add(p, id, &added)))
			continue;
		before = *pe;
		fill(pe, c);
		pe->mark = true;
		if (added || !pe->cgroup_id)
			inspect(p, pe);
		if (added || !same_peer(&before, pe))
			*changed = true;
	}
	json_decref(list);
	for (i = 0; i < p->n; i++)
		if (p->v[i].mark)
			p->v[kept++] = p->v[i];
	if (kept != p->n)
		*changed = true;
	p->n = kept;
	return 0;
}
